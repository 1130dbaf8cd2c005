export function quietCdktfOnCurrentNode(): void;
