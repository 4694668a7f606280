export {
  CloudFrontInvalidator,
  type CloudFrontInvalidatorOptions,
  type InFlightSummary,
} from './cloudfront-invalidator.js';
export { CLOUDFRONT_LIMITS } from './invalidation-items.js';
