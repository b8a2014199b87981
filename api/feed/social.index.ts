import { createRouter } from '../lib/router.js';
import * as handlers from './social.handlers.js';
import * as routes from './social.routes.js';

/**
 * The feed's reading and social endpoints, mounted inside the feed router (so under
 * FEED_BASE_PATH, after its session middleware). `/videos/feed` is registered before
 * `/videos/{id}` and `/users/top` before `/users/{id}`, which would otherwise match them.
 */
export const socialRouter = createRouter();
socialRouter
  .openapi(routes.feed, handlers.feed)
  .openapi(routes.getVideo, handlers.getVideo)
  .openapi(routes.like, handlers.like)
  .openapi(routes.dislike, handlers.dislike)
  .openapi(routes.view, handlers.view)
  .openapi(routes.top, handlers.top)
  .openapi(routes.getUser, handlers.getUser)
  .openapi(routes.updateUser, handlers.updateUser)
  .openapi(routes.userVideos, handlers.userVideos)
  .openapi(routes.likedVideos, handlers.likedVideos);
