'use client';

import { useState } from 'react';

/** Copies text to the clipboard and says so in a polite live region; the text stays selectable. */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [status, setStatus] = useState<'idle' | 'copied' | 'failed'>('idle');

  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setStatus('copied');
    } catch {
      setStatus('failed');
    }
  }

  return (
    <span className="copy">
      <button type="button" className="button secondary small" onClick={copy}>
        {label}
      </button>
      <span role="status" className="copy-status">
        {status === 'copied' ? 'Copied' : status === 'failed' ? 'Copy failed: select the text and copy it' : ''}
      </span>
    </span>
  );
}
