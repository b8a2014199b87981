import type { Sql } from '../../db/client.js';
import type { Config } from '../../lib/config.js';
import type { Logger } from '../../lib/logger.js';
import type { VideoDelivery } from '../ports.js';
import { createOutboxDelivery } from './outbox.js';
import { createWhatsAppCloudDelivery } from './whatsapp-cloud.js';

type DeliveryConfig = Pick<
  Config,
  'WHATSAPP_PROVIDER' | 'WHATSAPP_API_BASE_URL' | 'WHATSAPP_PHONE_NUMBER_ID' | 'WHATSAPP_ACCESS_TOKEN' | 'WHATSAPP_TEMPLATE_NAME' | 'WHATSAPP_TEMPLATE_LANG'
>;

/** The delivery adapter WHATSAPP_PROVIDER names; loadConfig has already checked the cloud settings. */
export function createVideoDelivery(config: DeliveryConfig, deps: { sql: Sql; logger: Logger }): VideoDelivery {
  if (config.WHATSAPP_PROVIDER === 'outbox') {
    return createOutboxDelivery({ ...deps, templateName: config.WHATSAPP_TEMPLATE_NAME, templateLang: config.WHATSAPP_TEMPLATE_LANG });
  }
  if (!config.WHATSAPP_PHONE_NUMBER_ID || !config.WHATSAPP_ACCESS_TOKEN) {
    throw new Error('WHATSAPP_PROVIDER=cloud needs WHATSAPP_PHONE_NUMBER_ID and WHATSAPP_ACCESS_TOKEN');
  }
  return createWhatsAppCloudDelivery({
    baseUrl: config.WHATSAPP_API_BASE_URL,
    phoneNumberId: config.WHATSAPP_PHONE_NUMBER_ID,
    accessToken: config.WHATSAPP_ACCESS_TOKEN,
    templateName: config.WHATSAPP_TEMPLATE_NAME,
    templateLang: config.WHATSAPP_TEMPLATE_LANG,
  });
}
