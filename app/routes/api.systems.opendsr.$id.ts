import type { ActionFunctionArgs } from '@remix-run/node';
import { receiveOpenDsrCallback } from '~/models/systems/callbacks.server';
import { handleCallback, notFound } from './systems-callback.server';

/** An OpenDSR processor's status callback for one task, signed under its certificate (issue 19.4). */
export const loader = () => notFound();
export const action = (args: ActionFunctionArgs) => handleCallback(args, receiveOpenDsrCallback);
