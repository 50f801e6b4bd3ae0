/** An alert as Alertmanager's API v2 lists it (GET /api/v2/alerts). */
export interface ListedAlert {
  labels: Record<string, string>;
  fingerprint: string;
  status: { state: 'active' | 'suppressed' | 'unprocessed'; inhibitedBy: string[]; silencedBy: string[] };
}
