/** zod schemas of the socket.io events clients send (DESIGN §8). */
import { z } from 'zod';
import { ChatParamsSchema } from '../params.js';

/** Session and request ids are ours (UUIDs with a prefix); anything longer is not one of them. */
const id = z.string().min(1).max(80);

export const ChatSendSchema = z.object({
  sessionId: id.optional(),
  message: z.string(),
  params: ChatParamsSchema.optional(),
}).strict();

export const ChatCancelSchema = z.object({ requestId: id }).strict();

export const SessionResetSchema = z.object({ sessionId: id }).strict();

export type ChatSend = z.infer<typeof ChatSendSchema>;

/** Events a client may send; anything else is answered with an error. */
export const CLIENT_EVENTS = ['chat:send', 'chat:cancel', 'session:reset'] as const;
