export { Platform, waitFor, anOrder, aLine, SERVICES as SERVICES_FOR_BENCH } from '@orderflow/testing';
