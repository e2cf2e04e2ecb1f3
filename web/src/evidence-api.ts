// The evidence holds of the API (administrators only; anyone else gets 403, and
// the server audits the refusal): list a camera's, place one, release one.
import { request } from "./api";

/** An evidence (legal) hold as the API answers it. */
export interface EvidenceHold {
  /** "<camera>.<start ms>.<end ms>": what DELETE /api/evidence/holds/{id} takes. */
  id: string;
  camera: string;
  start: string;
  end: string;
  /** Why: a police report number, a case. */
  reason: string;
  /** Who placed it. */
  created_by: string;
  /** Segments held (or released); null in a list. */
  segments: number | null;
}

/** What POST /api/evidence/holds takes: times in ISO 8601 UTC. */
export interface HoldRequest {
  camera: string;
  start: string;
  end: string;
  reason: string;
}

export const evidenceApi = {
  holds: (camera: string) =>
    request<{ holds: EvidenceHold[] }>("/api/evidence/holds", { query: { camera } }),
  place: (hold: HoldRequest) => request<EvidenceHold>("/api/evidence/holds", { method: "POST", body: hold }),
  release: (id: string) =>
    request<EvidenceHold>(`/api/evidence/holds/${encodeURIComponent(id)}`, { method: "DELETE" }),
};
