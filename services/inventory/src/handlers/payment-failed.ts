import { releaseReservations } from './release-reservation';

/** When payment fails, release the order's reservation (compensation). */
export const onPaymentFailed = releaseReservations('payment.failed');
