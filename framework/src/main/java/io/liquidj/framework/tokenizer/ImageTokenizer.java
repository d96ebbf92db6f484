package io.liquidj.framework.tokenizer;

/**
 * An image tokenizer (the VQGAN): images to a grid of codebook indices and back. Holds its own
 * TensorFlow graph and session; close it when done.
 */
public interface ImageTokenizer extends AutoCloseable {
  /** The number of codes (8192 for Liquid's VQGAN). */
  int codebookSize();

  /** Pixels per code along each side (16 for Liquid's VQGAN: 512×512 → 32×32 codes). */
  int downsampleFactor();

  /** Codes [B][h·w], row-major, for images whose sides are multiples of the downsample factor. */
  int[][] encode(ImageBatch images);

  /** Images [B,3,h·f,w·f] in [-1, 1] for codes [B][h·w]. */
  ImageBatch decode(int[][] codes, int h, int w);

  @Override
  void close();
}
