// The simulator's "people and machines" text: per variant the human, machine and total rates of
// the ground truth, and per provider how many machine opens and scanner clicks its flags reveal.
import type { CampaignPlan } from './campaign-model';
import { appClassPairs, engagementRates, engagementTallies, providerFlagPairs, scoreClass, type ClassScore } from './engagement-truth';
import type { Acknowledgements } from './ground-truth';
import { formatTable } from './report-table';

const pct = (value: number) => (Number.isFinite(value) ? `${(value * 100).toFixed(1)}%` : '–');

function flagCell(score: ClassScore): string {
  if (score.actual === 0) return 'none present';
  if (score.predicted === 0) return 'no flag';
  return `recall ${pct(score.recall)}, precision ${pct(score.precision)}`;
}

function scoreCell(score: ClassScore): string {
  if (score.actual === 0 && score.predicted === 0) return 'none present';
  return `precision ${pct(score.precision)}, recall ${pct(score.recall)}`;
}

/** Per provider and kind: what decided the app's classes, and how well they find machines and people. */
function classificationRows(plan: CampaignPlan, acks?: Acknowledgements): string[][] {
  const pairs = appClassPairs(plan, acks);
  const groups = new Map<string, typeof pairs>();
  for (const pair of pairs) {
    const key = `${pair.provider}|${pair.kind}`;
    groups.set(key, [...(groups.get(key) ?? []), pair]);
  }
  return [...groups.entries()].map(([key, group]) => {
    const [provider = '', kind = ''] = key.split('|');
    const by = [...new Set(group.map((p) => p.by))].sort().join(' + ');
    const machineClass = kind === 'open' ? 'machine' : 'bot';
    return [provider, kind, by, scoreCell(scoreClass(group, machineClass)), scoreCell(scoreClass(group, 'human'))];
  });
}

export function engagementText(plan: CampaignPlan, acks?: Acknowledgements): string {
  const { byVariant, byProvider } = engagementTallies(plan, acks);
  const variantRows = plan.variants.flatMap((variant) => {
    const t = byVariant.get(variant.key);
    if (!t || t.delivered === 0) return [];
    const r = engagementRates(t);
    return [
      [
        variant.key,
        String(t.delivered),
        String(t.opens.human),
        String(t.opens.machine),
        pct(r.uniqueOpenRate),
        pct(r.humanOpenRate),
        String(t.clicks.human),
        String(t.clicks.bot),
        pct(r.uniqueClickRate),
        pct(r.humanClickRate),
      ],
    ];
  });
  if (variantRows.length === 0) return '';
  const pairs = providerFlagPairs(plan, acks);
  const providerRows = [...byProvider.entries()].map(([provider, t]) => {
    const mine = pairs.filter((p) => p.provider === provider);
    const opens = scoreClass(
      mine.filter((p) => p.kind === 'open'),
      'machine',
    );
    const clicks = scoreClass(
      mine.filter((p) => p.kind === 'click'),
      'bot',
    );
    return [
      provider,
      pct(engagementRates(t).machineShareOfOpens),
      flagCell(opens),
      pct(engagementRates(t).botShareOfClicks),
      flagCell(clicks),
    ];
  });
  return [
    'People and machines (ground truth; unique rates per delivered message):',
    formatTable(
      ['variant', 'delivered', 'human opens', 'machine opens', 'open', 'human open', 'human clicks', 'bot clicks', 'click', 'human click'],
      variantRows,
    ),
    '',
    "What each provider's own flags reveal (the app's heuristics must find the rest):",
    formatTable(['provider', 'machine share of opens', 'machine-open flag', 'bot share of clicks', 'scanner flag'], providerRows),
    '',
    "The app's classes against who really opened and clicked (--verify holds the counters to the providers' flags where they flag, to the heuristics elsewhere):",
    formatTable(['provider', 'kind', 'decided by', 'machine (opens) / bot (clicks)', 'human'], classificationRows(plan, acks)),
  ].join('\n');
}
