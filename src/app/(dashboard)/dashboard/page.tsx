import { redirect } from 'next/navigation';
import { firstParam, withQuery, type SearchParams } from '@/lib/dashboard/params';

// /dashboard → the A/B test view, keeping the workspace.
export default async function DashboardIndex({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  redirect(withQuery('/dashboard/ab-tests', { workspaceId: firstParam(params, 'workspaceId') }));
}
