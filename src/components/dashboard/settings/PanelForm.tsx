import type { FormEvent, ReactNode } from 'react';

/** A settings form: titled (or labelled), its fields, and the API's refusal below them as an alert. */
export function PanelForm({
  title,
  titleId,
  label,
  testId,
  error,
  onSubmit,
  children,
}: {
  title?: string;
  titleId?: string;
  label?: string;
  testId: string;
  error: string | null;
  onSubmit: (event: FormEvent<HTMLFormElement>) => void;
  children: ReactNode;
}) {
  return (
    <form
      className="controls"
      onSubmit={onSubmit}
      noValidate
      aria-labelledby={title ? titleId : undefined}
      aria-label={title ? undefined : label}
      data-testid={testId}
    >
      {title && (
        <h3 id={titleId} className="full">
          {title}
        </h3>
      )}
      {children}
      {error && (
        <p className="form-error full" role="alert" data-testid={`${testId}-error`}>
          {error}
        </p>
      )}
    </form>
  );
}
