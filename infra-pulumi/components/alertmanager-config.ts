// The AMP alert manager definition, built from the local Alertmanager's file: its `route` tree and
// `inhibit_rules` are used as they are, so routing and inhibition behave the same locally (where
// amtool tests them) and on AWS; only the receivers differ, each becoming an SNS topic.
import { parse, stringify } from 'yaml';

/**
 * The receivers the route tree may name and the topic each publishes to: page, ticket and default go
 * to the stack's alerts topic (subscribers tell severities apart by the `severity` message
 * attribute); heartbeat goes to a topic of its own, which a user points at a dead man's switch.
 */
export const RECEIVER_TOPICS = { default: 'alerts', page: 'alerts', ticket: 'alerts', heartbeat: 'heartbeat' } as const;
export type TopicKind = (typeof RECEIVER_TOPICS)[keyof typeof RECEIVER_TOPICS];

interface Route { receiver?: string; routes?: Route[]; [key: string]: unknown }

/** Every receiver the route tree names, in the order first met (depth first). */
export function routeReceivers(route: Route): string[] {
  const names = [route.receiver, ...(route.routes ?? []).flatMap(routeReceivers)].filter((n): n is string => typeof n === 'string');
  return [...new Set(names)];
}

/**
 * The `definition` of aws.amp.AlertManagerDefinition: the file's route and inhibit_rules, and one
 * SNS receiver per receiver the route names. A receiver without a topic, or a file without a route,
 * stops the program with one line naming the file.
 */
export function ampAlertmanagerDefinition(fileText: string, topics: Readonly<Record<TopicKind, string>>, region: string, source: string): string {
  const file = parse(fileText) as { route?: Route; inhibit_rules?: unknown[] } | null;
  if (file?.route?.receiver === undefined) throw new Error(`${source}: no route with a receiver to read.`);
  const receivers = routeReceivers(file.route).map((name) => {
    const kind = (RECEIVER_TOPICS as Record<string, TopicKind | undefined>)[name];
    if (kind === undefined) {
      throw new Error(`${source}: receiver "${name}" has no SNS topic on AWS; the route may name only ${Object.keys(RECEIVER_TOPICS).join(', ')}.`);
    }
    return {
      name,
      sns_configs: [{
        topic_arn: topics[kind],
        sigv4: { region },
        // SNS refuses a message attribute whose value is empty ("Name, type, and value must not be
        // empty or null": https://docs.aws.amazon.com/sns/latest/dg/sns-message-attributes.html), and a
        // group whose alerts differ in severity, or have none, has no common one: say "none" then.
        attributes: { severity: '{{ or .CommonLabels.severity "none" }}', receiver: name },
      }],
    };
  });
  const config = { route: file.route, ...(file.inhibit_rules ? { inhibit_rules: file.inhibit_rules } : {}), receivers };
  return stringify({ alertmanager_config: stringify(config) });
}
