# R references for the statistical-fidelity tests (tests/test_fidelity_r_reference.py, test_filtering.py).
#
# Run from the project root, with ../shared present:   Rscript tests/r/make_references.R
# Needs Debian's r-bioc-deseq2 and r-bioc-tximport (apeglm is not packaged in Debian, so these
# references hold DESeq2's MLE results; apeGLM shrinkage is checked on PyDESeq2's shared references).
# Writes small tab-separated tables (7 significant digits, gzip) under tests/data/r_reference/.
# CI does not run this script: the tests read the committed tables.

suppressPackageStartupMessages({
  library(DESeq2)
  library(tximport)
})

args <- commandArgs(trailingOnly = TRUE)
shared <- if (length(args) >= 1) args[[1]] else Sys.getenv("RESISTSEQ_SHARED", "../shared")
out_dir <- file.path("tests", "data", "r_reference")
if (!dir.exists(file.path("tests", "r"))) stop("run from the project root: Rscript tests/r/make_references.R")
if (!dir.exists(shared)) stop("shared data not found at ", shared, " (give its path as the first argument)")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

digits <- 7

write_tsv <- function(frame, name) {
  numeric <- vapply(frame, is.double, logical(1))
  frame[numeric] <- lapply(frame[numeric], signif, digits = digits)
  path <- file.path(out_dir, name)
  # gzip without a timestamp in the header, so regenerating gives identical files
  connection <- if (grepl("\\.gz$", name)) gzcon(file(path, "wb")) else file(path, "w")
  write.table(frame, connection, sep = "\t", quote = FALSE, row.names = FALSE, na = "NA")
  close(connection)
  message("wrote ", path, " (", nrow(frame), " rows)")
}

# Fit DESeq2 as the workflow does (Wald test, Cook's filtering and independent filtering on,
# alpha 0.05) and write results with the final dispersions, plus the size factors.
write_deseq2 <- function(counts, coldata, design, variable, reference, target, prefix, vst = FALSE) {
  coldata[[variable]] <- relevel(factor(coldata[[variable]]), ref = reference)
  dds <- DESeqDataSetFromMatrix(counts, coldata, design)
  dds <- DESeq(dds, quiet = TRUE)
  res <- results(dds, contrast = c(variable, target, reference), alpha = 0.05)
  table <- data.frame(gene_id = rownames(res), as.data.frame(res), dispersion = dispersions(dds),
                      row.names = NULL, check.names = FALSE)
  write_tsv(table, paste0(prefix, "_deseq2.tsv.gz"))
  write_tsv(data.frame(sample = colnames(dds), size_factor = sizeFactors(dds)), paste0(prefix, "_size_factors.tsv"))
  # The dispersion prior: DESeq2 estimates its variance by Monte Carlo when the residual degrees of
  # freedom are 1-3 (PyDESeq2 keeps the MAD estimator), so the tests can pin that difference.
  trend <- attr(dispersionFunction(dds), "coefficients")
  write_tsv(data.frame(
    quantity = c("residual_df", "dispPriorVar", "varLogDispEsts", "asymptDisp", "extraPois"),
    value = c(ncol(dds) - ncol(model.matrix(design(dds), colData(dds))),
              attr(dispersionFunction(dds), "dispPriorVar"), attr(dispersionFunction(dds), "varLogDispEsts"),
              trend[["asymptDisp"]], trend[["extraPois"]])
  ), paste0(prefix, "_dispersion_fit.tsv"))
  if (vst) {
    transformed <- assay(varianceStabilizingTransformation(dds, blind = TRUE))
    write_tsv(data.frame(gene_id = rownames(transformed), transformed, check.names = FALSE),
              paste0(prefix, "_vst.tsv.gz"))
  }
}

every_nth_expressed <- function(counts, n) {
  ids <- sort(rownames(counts)[rowSums(counts) >= 10])
  ids[seq(1, length(ids), by = n)]
}

# 1. airway, real kallisto files -> tximport lengthScaledTPM -> rounded -> ~ celltype + dex.
#    DESeq2 is fitted on every 5th gene (sorted by ID) with at least 10 reads in total, so the
#    Python side (~3 ms per gene) stays fast; the test takes the same genes from this table.
airway <- file.path(shared, "data", "airway")
meta <- read.csv(file.path(airway, "airway_metadata.csv"), stringsAsFactors = FALSE)
files <- setNames(file.path(airway, "kallisto", meta$id, "abundance.tsv.gz"), meta$id)
tx2gene <- read.delim(gzfile(file.path(airway, "kallisto", "Homo_sapiens.GRCh38.tx2gene.tsv.gz")))
txi <- tximport(files, type = "kallisto", tx2gene = tx2gene, countsFromAbundance = "lengthScaledTPM")
airway_counts <- round(txi$counts)
storage.mode(airway_counts) <- "integer"
keep <- every_nth_expressed(airway_counts, 5)
rownames(meta) <- meta$id
write_deseq2(airway_counts[keep, ], meta[, c("dex", "celltype")], ~ celltype + dex, "dex", "control", "treated",
             "airway_kallisto")

# 2. The bundled synthetic example (salmon) -> tximport lengthScaledTPM -> ~ condition, with VST.
example <- file.path("example", "data")
sheet <- read.delim(file.path(example, "samples.tsv"), stringsAsFactors = FALSE)
files <- setNames(file.path(example, sheet$sample, "quant.sf.gz"), sheet$sample)
tx2gene <- read.delim(file.path(example, "tx2gene.tsv"))[, c("transcript_id", "gene_id")]
txi <- tximport(files, type = "salmon", tx2gene = tx2gene, countsFromAbundance = "lengthScaledTPM")
example_counts <- round(txi$counts)
storage.mode(example_counts) <- "integer"
write_tsv(data.frame(gene_id = rownames(example_counts), example_counts, check.names = FALSE),
          "example_gene_counts.tsv.gz")
rownames(sheet) <- sheet$sample
write_deseq2(example_counts, sheet[, c("condition", "batch")], ~ condition, "condition", "parental", "resistant",
             "example", vst = TRUE)

# 3. A count matrix (pasilla, htseq-count): ~ type + condition, every 3rd expressed gene. The
#    tests feed the same counts to the workflow as a count matrix and as featureCounts files.
pasilla <- file.path(shared, "data", "pasilla")
matrix_counts <- as.matrix(read.delim(file.path(pasilla, "pasilla_gene_counts.tsv"), row.names = 1))
annotation <- read.csv(file.path(pasilla, "pasilla_sample_annotation.csv"), stringsAsFactors = FALSE)
rownames(annotation) <- sub("fb$", "", annotation$file)
annotation <- annotation[colnames(matrix_counts), c("condition", "type")]
keep <- every_nth_expressed(matrix_counts, 3)
write_deseq2(matrix_counts[keep, ], annotation, ~ type + condition, "condition", "untreated", "treated",
             "pasilla_matrix")

# 4. R's lowess, which DESeq2's independent filtering uses to pick the baseMean threshold
#    (resistseq.filtering reimplements it): a noisy curve, ties, and rejection-count curves, one of
#    them the nf-core SRP254919 curve at alpha 0.1 where PyDESeq2's own lowess gives 0.
set.seed(1)
x_sine <- sort(runif(60))
y_sine <- sin(6 * x_sine) + rnorm(60, 0, 0.3)
theta <- seq(0, 0.95, length = 50)
rejections_nfcore <- c(rep(5, 22), rep(4, 21), 7, 8, 8, 10, 11, 10, 8)
rejections_rising <- c(rep(0, 10), round(100 * (1 - exp(-5 * theta[11:50] / 0.95))) + rep(c(0, 3, -2), length = 40))
x_ties <- c(1, 1, 2, 2, 2, 3, 5, 8, 8, 9, 12, 12, 13)
y_ties <- c(3, 4, 2, 8, 5, 6, 7, 3, 9, 4, 1, 2, 6)
lowess_case <- function(case, x, y, f) data.frame(case = case, f = f, x = x, y = y, fit = lowess(x, y, f = f)$y)
write_tsv(rbind(lowess_case("sine", x_sine, y_sine, 2 / 3), lowess_case("ties", x_ties, y_ties, 0.5),
                lowess_case("rejections_nfcore", theta, rejections_nfcore, 1 / 5),
                lowess_case("rejections_rising", theta, rejections_rising, 1 / 5)), "lowess.tsv")

versions <- data.frame(
  package = c("R", "DESeq2", "tximport"),
  version = c(paste(R.version$major, R.version$minor, sep = "."), as.character(packageVersion("DESeq2")),
              as.character(packageVersion("tximport")))
)
write_tsv(versions, "versions.tsv")
