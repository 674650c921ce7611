/**
 * Plain helpers shared by the Container App policies: they read the SDK's input shapes and never
 * touch a value they do not need, so an unknown value elsewhere in the resource does not stop a
 * check during preview.
 */

/** The part of a container definition the policies read. */
export interface ContainerShape {
  name?: string;
  image?: string;
  env?: { name?: string; value?: string; secretRef?: string }[];
  probes?: { type?: string }[];
}

/** The part of `app.ContainerApp` inputs the policies read. */
export interface ContainerAppShape {
  template?: { containers?: ContainerShape[]; initContainers?: ContainerShape[] };
}

/** Every container of the app, init containers included, in declaration order. */
export function allContainers(app: ContainerAppShape): ContainerShape[] {
  return [...(app.template?.initContainers ?? []), ...(app.template?.containers ?? [])];
}

/** The name a container is reported by: its `name`, or its position when it has none. */
export function containerLabel(container: ContainerShape, index: number): string {
  return container.name ?? `#${index}`;
}

/** An image reference split into the parts the pinning policy cares about. */
export interface ImageReference {
  /** Tag after the last `:` of the last path segment, if any. */
  tag?: string;
  /** Digest after `@`, if any (`sha256:<hex>`). */
  digest?: string;
}

/** Splits `registry/repo[:tag][@digest]` without assuming a registry host form. */
export function parseImage(image: string): ImageReference {
  const at = image.indexOf("@");
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const withoutDigest = at >= 0 ? image.slice(0, at) : image;
  const lastSegment = withoutDigest.slice(withoutDigest.lastIndexOf("/") + 1);
  const colon = lastSegment.lastIndexOf(":");
  const tag = colon >= 0 ? lastSegment.slice(colon + 1) : undefined;
  return { tag: tag || undefined, digest: digest || undefined };
}

/** True for a `sha256:` digest of exactly 64 lowercase hex characters. */
export function isSha256Digest(digest: string | undefined): boolean {
  return digest !== undefined && /^sha256:[0-9a-f]{64}$/.test(digest);
}

/** The pinned-images policies' config: a digest is required where `requireDigest` is set. */
export const PINNED_IMAGES_CONFIG_SCHEMA = {
  properties: {
    requireDigest: {
      type: "boolean" as const,
      description: "Require every image to carry an @sha256:<64 hex> digest.",
      default: false,
    },
  },
};

/**
 * Why a container's image is not pinned (`latest`, no tag, or no sha256 digest when
 * `requireDigest`), or `undefined` when it is.
 */
export function unpinnedImageProblem(
  label: string,
  image: string,
  requireDigest: boolean,
): string | undefined {
  const { tag, digest } = parseImage(image);
  if (requireDigest && !isSha256Digest(digest)) {
    return `Container "${label}" image "${image}" has no sha256 digest.`;
  }
  if (!isSha256Digest(digest) && (tag === undefined || tag === "latest")) {
    return `Container "${label}" image "${image}" is not pinned.`;
  }
  return undefined;
}
