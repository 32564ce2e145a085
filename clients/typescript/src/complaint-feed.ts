// Flow 5: the live complaint feed. Events arrive in commit order; on a reconnect the feed
// resumes from the last cursor it saw (missed events first, none twice), and each event's
// complaint is refetched by global id for the card.
import { subscribe, type ClientOptions, type Subscription } from "./client";
import { refetchComplaint, type ComplaintWithHistory } from "./complaint-follow-up";
import { ComplaintFeedDocument, type ComplaintFeedSubscription } from "./generated/graphql";

export type FeedEvent = ComplaintFeedSubscription["complaintUpdates"];

export interface FeedHandlers {
  readonly onEvent: (event: FeedEvent, complaint: ComplaintWithHistory | null) => void;
  readonly onError: (error: Error) => void;
}

export class ComplaintFeed {
  private lastCursor: string | null;
  private readonly seen = new Set<string>();
  private subscription: Subscription | null = null;
  // Events are handled one after the other, in commit order, even though each awaits a refetch.
  private handled: Promise<void> = Promise.resolve();
  private retryDelayMs = 1_000;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly options: ClientOptions,
    private readonly siteId: string | null,
    private readonly handlers: FeedHandlers,
    resumeFrom: string | null = null,
  ) {
    this.lastCursor = resumeFrom;
  }

  /** The cursor to store (e.g. in localStorage) so a reload resumes where it stopped. */
  get cursor(): string | null {
    return this.lastCursor;
  }

  start(): void {
    this.subscription = subscribe(
      this.options,
      ComplaintFeedDocument,
      { siteId: this.siteId, after: this.lastCursor },
      (data) => {
        this.retryDelayMs = 1_000;
        const event = data.complaintUpdates;
        this.handled = this.handled.then(() => this.receive(event)).catch((error: unknown) => {
          this.handlers.onError(error instanceof Error ? error : new Error(String(error)));
        });
      },
      (error) => {
        this.handlers.onError(error);
        this.restartLater();
      },
    );
  }

  stop(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.subscription?.close();
    this.subscription = null;
  }

  /** Reconnect after a pause that doubles up to 30 s; resumes after this.lastCursor. */
  private restartLater(): void {
    this.stop();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.start();
    }, this.retryDelayMs);
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, 30_000);
  }

  private async receive(event: FeedEvent): Promise<void> {
    if (this.seen.has(event.cursor)) return; // the server sends none twice; belt and braces
    this.seen.add(event.cursor);
    this.lastCursor = event.cursor;
    const complaint = event.complaintId === null ? null : await refetchComplaint(this.options, event.complaintId);
    this.handlers.onEvent(event, complaint);
  }
}
