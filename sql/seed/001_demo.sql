-- Demo tenants for local development: acme (enterprise), globex (pro), initech (free), each with two workspaces and
-- a handful of documents to search. Idempotent: fixed ids and ON CONFLICT DO NOTHING, so re-running adds what is
-- missing and never overwrites what a developer changed. A tenant's workspaces and documents are seeded only while
-- its data is on the shared tier: `npm run dev` then moves globex and acme to tiers of their own (docs/isolation.md),
-- and a second run must not leave a stale copy of their rows in public. API keys are not seeded: they need the
-- server's pepper, so the dev script creates them.
--
-- Written as the Worker's data would be: as the owner role, one tenant at a time, with tenant_id filled in from
-- app.tenant_id by the column defaults and checked by the policies.

SET LOCAL ROLE tenant_mcp_owner;

-- acme -------------------------------------------------------------------------------------------------------------
SELECT set_config('app.tenant_id', 'a0000000-0000-4000-8000-000000000001', true);

INSERT INTO public.tenants (id, slug, name, plan, rate_limit_per_minute, config)
VALUES ('a0000000-0000-4000-8000-000000000001', 'acme', 'Acme Corporation', 'enterprise', 600,
        '{"timezone": "America/Phoenix"}')
ON CONFLICT DO NOTHING;

INSERT INTO public.workspaces (id, name)
SELECT v.id::uuid, v.name FROM (VALUES
  ('a0000000-0000-4000-8001-000000000001', 'Product Engineering'),
  ('a0000000-0000-4000-8001-000000000002', 'Customer Support')) AS v(id, name)
WHERE EXISTS (SELECT 1 FROM public.tenants AS t
              WHERE t.id = current_setting('app.tenant_id')::uuid AND t.isolation = 'shared')
ON CONFLICT DO NOTHING;

INSERT INTO public.documents (id, workspace_id, title, body)
SELECT v.id::uuid, v.workspace_id::uuid, v.title, v.body FROM (VALUES
  ('a0000000-0000-4000-8002-000000000001', 'a0000000-0000-4000-8001-000000000001',
   'Rocket-powered roller skates: design review',
   'The second prototype reached 140 km/h on the desert test track before the left skate lost its thrust nozzle. '
   'Action items: reinforce the nozzle mounts, add a manual kill switch, and rerun the braking tests on gravel.'),
  ('a0000000-0000-4000-8002-000000000002', 'a0000000-0000-4000-8001-000000000001',
   'Anvil drop-test procedure',
   'Anvils are dropped from 30 metres onto the calibrated target plate. Record the impact force, any deformation '
   'of the horn, and whether the packaging survived. Never stand under the drop zone during a test.'),
  ('a0000000-0000-4000-8002-000000000003', 'a0000000-0000-4000-8001-000000000001',
   'Giant magnet field strength calibration',
   'Calibrate the giant horseshoe magnet with the gaussmeter before shipping. Field strength must stay within five '
   'percent of the catalogue rating; keep anvils and steel tools outside the two-metre safety circle.'),
  ('a0000000-0000-4000-8002-000000000004', 'a0000000-0000-4000-8001-000000000002',
   'Refund policy for malfunctioning products',
   'Customers may return any product that fails in normal use within ninety days for a full refund. Damage caused '
   'by cliffs, canyons or falling anvils counts as normal use. Escalate repeat claimants to the desert region lead.'),
  ('a0000000-0000-4000-8002-000000000005', 'a0000000-0000-4000-8001-000000000002',
   'Shipping delays to the Southwest desert region',
   'Deliveries to remote desert addresses take four to six days. The bird-seed and portable-hole orders are '
   'backlogged; tell customers the expected shipping date and offer express delivery at no charge.')) AS v(id, workspace_id, title, body)
WHERE EXISTS (SELECT 1 FROM public.tenants AS t
              WHERE t.id = current_setting('app.tenant_id')::uuid AND t.isolation = 'shared')
ON CONFLICT DO NOTHING;

-- globex -----------------------------------------------------------------------------------------------------------
SELECT set_config('app.tenant_id', 'b0000000-0000-4000-8000-000000000002', true);

INSERT INTO public.tenants (id, slug, name, plan, rate_limit_per_minute, config)
VALUES ('b0000000-0000-4000-8000-000000000002', 'globex', 'Globex Corporation', 'pro', 120,
        '{"timezone": "America/Chicago"}')
ON CONFLICT DO NOTHING;

INSERT INTO public.workspaces (id, name)
SELECT v.id::uuid, v.name FROM (VALUES
  ('b0000000-0000-4000-8001-000000000001', 'Research'),
  ('b0000000-0000-4000-8001-000000000002', 'Human Resources')) AS v(id, name)
WHERE EXISTS (SELECT 1 FROM public.tenants AS t
              WHERE t.id = current_setting('app.tenant_id')::uuid AND t.isolation = 'shared')
ON CONFLICT DO NOTHING;

INSERT INTO public.documents (id, workspace_id, title, body)
SELECT v.id::uuid, v.workspace_id::uuid, v.title, v.body FROM (VALUES
  ('b0000000-0000-4000-8002-000000000001', 'b0000000-0000-4000-8001-000000000001',
   'Quarterly energy research summary',
   'Fusion containment experiments ran for a record eleven seconds this quarter. The plasma team requests two more '
   'superconducting coils and a second cooling loop before the next campaign.'),
  ('b0000000-0000-4000-8002-000000000002', 'b0000000-0000-4000-8001-000000000001',
   'Hammock district campus expansion',
   'The new research campus in Cypress Creek adds three laboratories, a monorail stop and hammocks for every '
   'employee. Construction starts in spring; the budget review is scheduled for March.'),
  ('b0000000-0000-4000-8002-000000000003', 'b0000000-0000-4000-8001-000000000001',
   'Laboratory safety incident report',
   'A coolant leak in laboratory four triggered the evacuation alarm. No injuries. Root cause: a cracked valve '
   'seal. All valve seals in the east wing will be inspected and replaced before experiments resume.'),
  ('b0000000-0000-4000-8002-000000000004', 'b0000000-0000-4000-8001-000000000002',
   'Employee onboarding checklist',
   'New employees receive their badge, laptop and relocation package on day one. Managers schedule a campus tour, '
   'a benefits briefing and a one-to-one meeting within the first week.'),
  ('b0000000-0000-4000-8002-000000000005', 'b0000000-0000-4000-8001-000000000002',
   'Remote work policy',
   'Staff may work remotely up to two days a week with their manager''s approval. Laboratory roles require on-site '
   'presence during experiments. Expense claims for home office equipment need a receipt.')) AS v(id, workspace_id, title, body)
WHERE EXISTS (SELECT 1 FROM public.tenants AS t
              WHERE t.id = current_setting('app.tenant_id')::uuid AND t.isolation = 'shared')
ON CONFLICT DO NOTHING;

-- initech ----------------------------------------------------------------------------------------------------------
SELECT set_config('app.tenant_id', 'c0000000-0000-4000-8000-000000000003', true);

INSERT INTO public.tenants (id, slug, name, plan, rate_limit_per_minute, config)
VALUES ('c0000000-0000-4000-8000-000000000003', 'initech', 'Initech', 'free', 30, '{"timezone": "America/Chicago"}')
ON CONFLICT DO NOTHING;

INSERT INTO public.workspaces (id, name)
SELECT v.id::uuid, v.name FROM (VALUES
  ('c0000000-0000-4000-8001-000000000001', 'Software'),
  ('c0000000-0000-4000-8001-000000000002', 'Facilities')) AS v(id, name)
WHERE EXISTS (SELECT 1 FROM public.tenants AS t
              WHERE t.id = current_setting('app.tenant_id')::uuid AND t.isolation = 'shared')
ON CONFLICT DO NOTHING;

INSERT INTO public.documents (id, workspace_id, title, body)
SELECT v.id::uuid, v.workspace_id::uuid, v.title, v.body FROM (VALUES
  ('c0000000-0000-4000-8002-000000000001', 'c0000000-0000-4000-8001-000000000001',
   'TPS report cover sheet guidelines',
   'Every TPS report must carry the new cover sheet before it goes out. Reports filed without a cover sheet are '
   'returned to the author with a memo. The template is on the shared drive.'),
  ('c0000000-0000-4000-8002-000000000002', 'c0000000-0000-4000-8001-000000000001',
   'Year 2000 date rollover remediation',
   'The banking software stores years as two digits. Each module must be updated to four-digit years and tested '
   'against the rollover date. Track progress per module in the remediation spreadsheet.'),
  ('c0000000-0000-4000-8002-000000000003', 'c0000000-0000-4000-8001-000000000001',
   'Rounding error in the interest calculation',
   'Fractions of a cent are being rounded in the interest calculation of the accounting module. Audit the '
   'transaction logs, quantify the discrepancy, and patch the rounding before the quarterly close.'),
  ('c0000000-0000-4000-8002-000000000004', 'c0000000-0000-4000-8001-000000000002',
   'Printer maintenance schedule',
   'The shared laser printer on the fourth floor jams on paper loads over two hundred sheets. Facilities services it '
   'every Friday; report PC LOAD LETTER errors with the printer''s asset tag.'),
  ('c0000000-0000-4000-8002-000000000005', 'c0000000-0000-4000-8001-000000000002',
   'Office relocation to the basement',
   'Several desks move to storage room B in the basement next month. Staplers, chairs and personal items should be '
   'labelled before the move. Report pest problems to facilities.')) AS v(id, workspace_id, title, body)
WHERE EXISTS (SELECT 1 FROM public.tenants AS t
              WHERE t.id = current_setting('app.tenant_id')::uuid AND t.isolation = 'shared')
ON CONFLICT DO NOTHING;
