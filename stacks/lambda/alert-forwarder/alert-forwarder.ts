/**
 * CloudWatch Logs subscription target: decodes the gzip+base64 payload,
 * keeps ERROR-level and unhandled-failure lines, and publishes them to the
 * alerts SNS topic in as few messages as SNS's size limit allows.
 *
 * CloudWatch Logs invokes this function asynchronously, so a thrown error
 * makes Lambda retry the whole batch: delivery is at least once (a retry
 * after a partial publish repeats the messages already sent).
 */
import { gunzip } from "node:zlib";
import { promisify } from "node:util";
import type { CloudWatchLogsDecodedData, CloudWatchLogsEvent } from "aws-lambda";
import { type Environment, requiredEnv } from "../shared/env";
import type { Logger } from "../shared/logger";
import { buildAlertMessages, isAlertLine } from "./alerts";

const gunzipAsync = promisify(gunzip);

/** The slice of SNS's Publish input we send; the real client's `send(new PublishCommand(input))` fits it. */
export interface PublishInput {
  readonly TopicArn: string;
  readonly Subject: string;
  readonly Message: string;
}

export interface AlertPublisher {
  publish(input: PublishInput): Promise<unknown>;
}

export interface AlertForwarderConfig {
  readonly topicArn: string;
  /** For console links. */
  readonly region: string;
  /** This function's own log group: never forwarded, so a failing forwarder cannot feed itself. */
  readonly ownLogGroup?: string;
  readonly maxMessageBytes?: number;
}

export interface AlertForwarderDependencies {
  readonly publisher: AlertPublisher;
  readonly config: AlertForwarderConfig;
  readonly logger: Logger;
}

export interface ForwardResult {
  readonly alerts: number;
  readonly messages: number;
}

/** ALERTS_TOPIC_ARN comes from the manifest; AWS_REGION and AWS_LAMBDA_LOG_GROUP_NAME from the Lambda runtime. */
export function alertForwarderConfigFromEnv(env: Environment): AlertForwarderConfig {
  return {
    topicArn: requiredEnv(env, "ALERTS_TOPIC_ARN"),
    region: requiredEnv(env, "AWS_REGION"),
    ...(env.AWS_LAMBDA_LOG_GROUP_NAME ? { ownLogGroup: env.AWS_LAMBDA_LOG_GROUP_NAME } : {}),
  };
}

/** The subscription payload, decoded; a payload that is not base64 gzip JSON is an error naming the step that failed. */
export async function decodeLogsEvent(event: CloudWatchLogsEvent): Promise<CloudWatchLogsDecodedData> {
  const data = event?.awslogs?.data;
  if (typeof data !== "string" || data === "") throw new Error("Not a CloudWatch Logs subscription event: awslogs.data is missing");
  let json: string;
  try {
    json = (await gunzipAsync(Buffer.from(data, "base64"))).toString("utf8");
  } catch (error) {
    throw new Error(`awslogs.data is not base64-encoded gzip: ${(error as Error).message}`, { cause: error });
  }
  let decoded: CloudWatchLogsDecodedData;
  try {
    decoded = JSON.parse(json) as CloudWatchLogsDecodedData;
  } catch (error) {
    throw new Error(`awslogs.data does not decode to JSON: ${(error as Error).message}`, { cause: error });
  }
  if (typeof decoded?.messageType !== "string" || !Array.isArray(decoded.logEvents)) {
    throw new Error("awslogs.data decodes to JSON without messageType and logEvents");
  }
  return decoded;
}

export function createAlertForwarderHandler(deps: AlertForwarderDependencies): (event: CloudWatchLogsEvent) => Promise<ForwardResult> {
  const { publisher, config, logger } = deps;
  return async (event) => {
    const data = await decodeLogsEvent(event);
    // CloudWatch Logs sends CONTROL_MESSAGE when it checks that the destination is reachable.
    if (data.messageType !== "DATA_MESSAGE") return { alerts: 0, messages: 0 };
    if (config.ownLogGroup && data.logGroup === config.ownLogGroup) {
      logger.warn("Ignored a log batch from this function's own log group", { logGroup: data.logGroup });
      return { alerts: 0, messages: 0 };
    }

    const alerts = data.logEvents.filter((logEvent) => isAlertLine(logEvent.message));
    const messages = buildAlertMessages(data, alerts, { region: config.region, maxMessageBytes: config.maxMessageBytes });
    for (const message of messages) {
      await publisher.publish({ TopicArn: config.topicArn, Subject: message.subject, Message: message.message });
    }
    if (alerts.length > 0) {
      logger.info("Forwarded alert lines", { logGroup: data.logGroup, logStream: data.logStream, alerts: alerts.length, messages: messages.length });
    }
    return { alerts: alerts.length, messages: messages.length };
  };
}
