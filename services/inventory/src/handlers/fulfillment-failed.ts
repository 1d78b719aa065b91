import { releaseReservations } from './release-reservation';

/** When fulfillment fails, release the order's reservation (compensation). */
export const onFulfillmentFailed = releaseReservations('fulfillment.failed');
