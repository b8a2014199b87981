import type { Writable } from 'node:stream';

/** Resolves when `sink` can take more; rejects when it fails or closes first. */
function drained(sink: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    if (sink.destroyed) {
      reject(sink.errored ?? new Error('a sink closed before taking the whole upload'));
      return;
    }
    const settle = (error?: Error) => {
      sink.off('drain', onDrain).off('error', settle).off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => settle();
    const onClose = () => settle(sink.errored ?? new Error('a sink closed before taking the whole upload'));
    sink.on('drain', onDrain).on('error', settle).on('close', onClose);
  });
}

/**
 * Writes every chunk of `source` to each sink and ends them when it ends. A chunk is taken from
 * the source only once every sink has room again, so a slow sink slows the source down instead of
 * growing a buffer. `open` makes the sinks when the first chunk arrives. When the source or a sink
 * fails, every sink is destroyed with that error — a body stream destroyed so makes its storage
 * upload abort — and the error is thrown.
 */
export async function teeInto(source: AsyncIterable<Buffer>, open: () => Writable[]): Promise<void> {
  let sinks: Writable[] = [];
  try {
    for await (const chunk of source) {
      if (sinks.length === 0) sinks = open();
      const full = sinks.filter((sink) => !sink.write(chunk));
      await Promise.all(full.map(drained));
    }
    for (const sink of sinks) sink.end();
  } catch (error) {
    for (const sink of sinks) sink.destroy(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
}
