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
      (data) => void this.receive(data.complaintUpdates),
      (error) => {
        this.handlers.onError(error);
        this.restart();
      },
    );
  }

  stop(): void {
    this.subscription?.close();
    this.subscription = null;
  }

  private restart(): void {
    this.stop();
    this.start(); // resumes after this.lastCursor
  }

  private async receive(event: FeedEvent): Promise<void> {
    if (this.seen.has(event.cursor)) return; // the server sends none twice; belt and braces
    this.seen.add(event.cursor);
    this.lastCursor = event.cursor;
    const complaint = event.complaintId === null ? null : await refetchComplaint(this.options, event.complaintId);
    this.handlers.onEvent(event, complaint);
  }
}
