/** GET /v1/models and /v1/models/:id (OpenAI's list of model objects). */
import type { Request, Response } from 'express';
import { ServerError } from '../errors.js';
import type { ModelInfo } from '../model-info.js';
import { sendOpenAiError } from './openai-errors.js';

const modelObject = (info: ModelInfo) => ({ id: info.id, object: 'model', created: Math.floor(info.loadedAt / 1000), owned_by: 'demi' });

export function modelsHandler(modelInfo: () => ModelInfo | undefined) {
  return (req: Request, res: Response): void => {
    const info = modelInfo();
    if (!info) {
      sendOpenAiError(res, new ServerError('not_ready', 'the model is still loading: retry in a few seconds'));
      return;
    }
    const id = req.params.id as string | undefined;
    if (id === undefined) {
      res.json({ object: 'list', data: [modelObject(info)] });
    } else if (id === info.id) {
      res.json(modelObject(info));
    } else {
      sendOpenAiError(res, new ServerError('not_found', `model '${id.slice(0, 100)}' is not served here; this server serves '${info.id}'`, 'model'));
    }
  };
}
