// Limits on what a client may send: enforced by the guards and the body reader, quoted by the error table.

/** Longest request target accepted; browsers and load balancers stay well below. */
export const MAX_URL_LENGTH = 2_048;
/** Request line plus headers; Node's default is 16 KiB, this service needs far less. */
export const MAX_HEADER_SIZE = 8_192;
/** Bodies larger than this are refused; /api/work's parameters fit in a few dozen bytes. */
export const MAX_BODY_BYTES = 16_384;
