/** The second step of a delete: says what goes, Delete (focused) or Keep. */
export function ConfirmDelete(props: { name: string; question: string; disabled?: boolean; onDelete: () => void; onKeep: () => void }) {
  return (
    <div className="confirm" role="group" aria-label={`Delete ${props.name}?`}>
      <span>{props.question}</span>
      <button type="button" className="danger" autoFocus disabled={props.disabled} onClick={props.onDelete}>
        Delete
      </button>
      <button type="button" onClick={props.onKeep}>
        Keep
      </button>
    </div>
  );
}
