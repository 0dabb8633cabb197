export {
  REQUEST_ID_HEADER,
  createRequestIdMiddleware,
  isSaneRequestId,
  requestIdOf,
} from './requestId';
export { createRequestLoggingMiddleware } from './requestLogging';
