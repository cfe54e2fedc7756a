import type { ActionFunctionArgs } from '@remix-run/node';
import { receiveWebhookCallback } from '~/models/systems/callbacks.server';
import { handleCallback, notFound } from './systems-callback.server';

/** A webhook system's answer to its task: Standard Webhooks signed, with the task's one-time token (issue 19.4). */
export const loader = () => notFound();
export const action = (args: ActionFunctionArgs) => handleCallback(args, receiveWebhookCallback);
