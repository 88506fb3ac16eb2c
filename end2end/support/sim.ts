// Driving the embedded ALEX simulator through the app's /sim/api test-control routes
// (mounted only in simulator mode).
import { APIRequestContext, expect } from '@playwright/test';

export const UAT = 'F2N060-E';
export const OTHER = 'F99669-C';

export interface SimPatient { id: string; nhi: string; family: string; given: string; birth_date: string }
export interface SimPractitioner { id: string; family: string; given: string }
export interface SimFacility { id: string; name: string; mapped: boolean; patients: SimPatient[]; practitioners: SimPractitioner[] }

export async function seed(request: APIRequestContext): Promise<SimFacility[]> {
  const res = await request.get('/sim/api/seed');
  expect(res.ok()).toBeTruthy();
  return res.json();
}

export async function patient(request: APIRequestContext, nhi: string, facility = UAT) {
  const f = (await seed(request)).find((x) => x.id === facility)!;
  const p = f.patients.find((x) => x.nhi === nhi)!;
  return { facility: f, patient: p, practitioner: f.practitioners[0] };
}

/** A fresh /launch URL, as Medtech Evolution would open it. */
export async function launchUrl(request: APIRequestContext, facility: string, patientId: string | null, providerId: string) {
  const res = await request.post('/sim/api/launch', { data: { facility, patient_id: patientId, provider_id: providerId } });
  expect(res.ok()).toBeTruthy();
  const { context, signature } = await res.json();
  return `/launch?context=${encodeURIComponent(context)}&signature=${encodeURIComponent(signature)}`;
}

export async function launchFor(request: APIRequestContext, nhi: string, facility = UAT) {
  const { patient: p, practitioner } = await patient(request, nhi, facility);
  return { url: await launchUrl(request, facility, p.id, practitioner.id), patient: p, practitioner };
}

export interface Received { resource_type: string; id: string | null; status: number; facility: string; correlation_id: string | null; resource: any }

export async function received(request: APIRequestContext, type = 'Media'): Promise<Received[]> {
  const res = await request.get(`/sim/api/received?type=${type}`);
  expect(res.ok()).toBeTruthy();
  return res.json();
}

export async function fault(request: APIRequestContext, f: object) {
  const res = await request.post('/sim/api/faults', { data: f });
  expect(res.ok()).toBeTruthy();
}

export async function reset(request: APIRequestContext) {
  await request.post('/sim/api/reset');
}
