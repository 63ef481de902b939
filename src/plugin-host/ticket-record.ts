import type { StatusCategory } from '../lifecycle/vocabulary.js';

/** A ticket's current row as services and plugins see it (snake_case, as stored). */
export interface TicketRecord {
  id: string;
  reference: string;
  type: string;
  status: string;
  status_category: StatusCategory;
  status_changed_at: Date;
  catalogue_node_id: string | null;
  establishment_id: string | null;
  requester_id: string;
  beneficiary_id: string | null;
  team_id: string | null;
  assignee_id: string | null;
  title: string;
  description: string;
  impact: string | null;
  urgency: string | null;
  priority: string | null;
  visibility: string | null;
  fields: Record<string, unknown>;
  solution: string | null;
  created_at: Date;
  updated_at: Date;
  resolved_at: Date | null;
  closed_at: Date | null;
  version: number;
}
