import 'reflect-metadata';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';

/**
 * The service built by its own composition root, plus one thing main.ts has no business doing:
 * on the message "render" it times `registry.metrics()` in-process, so the figure is the render
 * itself, without the HTTP round trip. The orchestrator sends the load first.
 */
const app = createApp(loadConfig(process.env), { exit: (code) => process.exit(code) });
const { deps } = app;
void app.listen();

process.on('message', (message: { render: number }) => {
  void (async () => {
    const times: number[] = [];
    for (let i = 0; i < message.render; i += 1) {
      const started = performance.now();
      await deps.metrics.render();
      times.push(performance.now() - started);
    }
    const body = await deps.metrics.render();
    process.send?.({ times, series: body.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length });
  })();
});
