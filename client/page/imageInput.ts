/** The image types the assistant takes (the SDK refuses others with ERR_IMAGE_FORMAT). */
const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp'];

function firstImage(files: FileList | DataTransferItemList | undefined | null): File | null {
  if (!files) return null;
  for (const f of files) {
    const file = f instanceof File ? f : f.kind === 'file' ? f.getAsFile() : null;
    if (file?.type.startsWith('image/')) return file;
  }
  return null;
}

/**
 * Every way a person gives the page an image: the picker (its button opens a
 * hidden file input), paste anywhere on the page, and drop on `dropZone`.
 * `send` gets the file; a type the assistant cannot read is still passed on, so
 * the SDK's typed error reaches the person.
 */
export function wireImageInput(
  input: HTMLInputElement,
  button: HTMLButtonElement,
  dropZone: HTMLElement,
  send: (file: File) => void,
): void {
  input.accept = IMAGE_TYPES.join(',');
  button.addEventListener('click', () => input.click());
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    input.value = '';
    if (file) send(file);
  });
  document.addEventListener('paste', (e) => {
    const file = firstImage(e.clipboardData?.files) ?? firstImage(e.clipboardData?.items);
    if (!file || button.disabled) return;
    e.preventDefault();
    send(file);
  });
  dropZone.addEventListener('dragover', (e) => {
    if (button.disabled || !e.dataTransfer?.types.includes('Files')) return;
    e.preventDefault();
    dropZone.classList.add('dropping');
  });
  dropZone.addEventListener('dragleave', () => dropZone.classList.remove('dropping'));
  dropZone.addEventListener('drop', (e) => {
    dropZone.classList.remove('dropping');
    const file = firstImage(e.dataTransfer?.files);
    if (!file || button.disabled) return;
    e.preventDefault();
    send(file);
  });
}
