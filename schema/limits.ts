/** Events one `trackEvents` call may carry. */
export const MAX_EVENTS_PER_CALL = 1000;
