"""Training and evaluation of the reader, off the answer path: SQuAD data and scores (`squad`), the
training windows (`train_data`), fine-tuning (`train`), the no-answer calibration (`calibrate`), weight averaging (`average`), and
the reader-only and end-to-end evaluations (`evaluate`, `e2e`). `qa.api` imports none of it."""
