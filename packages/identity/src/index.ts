export { IDENTITY_HEADER, type Identity } from './identity.js';
export { IdentitySigner, type IdentitySignerOptions } from './identity-signer.js';
