#!/usr/bin/env Rscript
# R DESeq2 references for the LRT, general contrasts, interactions and thresholded tests
# (tests/test_contrasts.py, tests/test_lrt.py).
#
# Run from the project root:   python tests/contrast_cases.py && Rscript tests/r/contrast_references.R
# The first command writes the simulated counts and sample sheets (fixed seeds) to tests/data/r_contrasts/;
# this script reads them. Needs Debian's r-bioc-deseq2 (apeglm is not packaged in Debian, so apeGLM
# shrinkage of contrasts is checked against PyDESeq2 on a re-levelled design instead). Writes small tables
# (7 significant digits, gzip without a timestamp, so reruns give identical files) to the same folder.
# CI does not run it: the tests read the committed tables.

suppressPackageStartupMessages(library(DESeq2))

out_dir <- file.path("tests", "data", "r_contrasts")
if (!dir.exists(file.path("tests", "r"))) stop("run from the project root: Rscript tests/r/contrast_references.R")
alpha <- 0.05

write_tsv <- function(frame, name) {
  numeric <- vapply(frame, is.double, logical(1))
  frame[numeric] <- lapply(frame[numeric], signif, digits = 7)
  path <- file.path(out_dir, name)
  connection <- if (grepl("\\.gz$", name)) gzcon(file(path, "wb")) else file(path, "w")
  write.table(frame, connection, sep = "\t", quote = FALSE, row.names = FALSE, na = "NA")
  close(connection)
  message("wrote ", path, " (", nrow(frame), " rows)")
}

read_case <- function(name) {
  counts <- as.matrix(read.delim(gzfile(file.path(out_dir, paste0(name, "_counts.tsv.gz"))), row.names = 1,
                                 check.names = FALSE))
  samples <- read.delim(file.path(out_dir, paste0(name, "_samples.tsv")), stringsAsFactors = FALSE)
  rownames(samples) <- samples$sample
  list(counts = counts[, samples$sample], samples = samples)
}

# One table per test: DESeq2's result columns and the final dispersion.
write_result <- function(res, dds, name) {
  table <- data.frame(gene_id = rownames(res), baseMean = res$baseMean, log2FoldChange = res$log2FoldChange,
                      lfcSE = res$lfcSE, stat = res$stat, pvalue = res$pvalue, padj = res$padj,
                      dispersion = dispersions(dds))
  write_tsv(table, paste0(name, ".tsv.gz"))
}

# 1. Five batches: LRT ~ condition + batch vs ~ condition (4 df), and Wald tests of batch b3 vs b2
#    (batch_b3_vs_b1 - batch_b2_vs_b1, a two-coefficient contrast), plain and with both thresholds.
case <- read_case("groups5")
coldata <- data.frame(condition = factor(case$samples$condition, levels = c("parental", "resistant")),
                      batch = factor(case$samples$batch, levels = paste0("b", 1:5)),
                      row.names = case$samples$sample)
dds <- DESeqDataSetFromMatrix(case$counts, coldata, ~ condition + batch)
lrt <- DESeq(dds, test = "LRT", reduced = ~ condition, quiet = TRUE)
write_result(results(lrt, alpha = alpha), lrt, "groups5_lrt")
wald <- DESeq(dds, quiet = TRUE)
b3_vs_b2 <- list("batch_b3_vs_b1", "batch_b2_vs_b1")
write_result(results(wald, contrast = b3_vs_b2, alpha = alpha), wald, "groups5_b3_vs_b2")
write_result(results(wald, contrast = b3_vs_b2, alpha = alpha, lfcThreshold = 0.5, altHypothesis = "greaterAbs"),
             wald, "groups5_b3_vs_b2_greaterAbs")
write_result(results(wald, contrast = b3_vs_b2, alpha = alpha, lfcThreshold = 1, altHypothesis = "lessAbs"),
             wald, "groups5_b3_vs_b2_lessAbs")

# 2. line x treatment: the interaction coefficient (name =), resistant vs parental under the drug
#    (line_resistant_vs_parental + lineresistant.treatmentdrug), and thresholded tests of one coefficient
#    and of that two-coefficient contrast.
case <- read_case("interaction")
coldata <- data.frame(line = factor(case$samples$line, levels = c("parental", "resistant")),
                      treatment = factor(case$samples$treatment, levels = c("control", "drug")),
                      row.names = case$samples$sample)
dds <- DESeq(DESeqDataSetFromMatrix(case$counts, coldata, ~ line + treatment + line:treatment), quiet = TRUE)
write_tsv(data.frame(name = resultsNames(dds)), "interaction_results_names.tsv")
interaction <- "lineresistant.treatmentdrug"
write_result(results(dds, name = interaction, alpha = alpha), dds, "interaction_coefficient")
under_drug <- list(c("line_resistant_vs_parental", interaction))
write_result(results(dds, contrast = under_drug, alpha = alpha), dds, "interaction_under_drug")
for (alternative in c("greaterAbs", "lessAbs")) {
  threshold <- if (alternative == "greaterAbs") 0.5 else 1
  write_result(results(dds, name = "line_resistant_vs_parental", alpha = alpha, lfcThreshold = threshold,
                       altHypothesis = alternative), dds, paste0("interaction_line_", alternative))
  write_result(results(dds, contrast = under_drug, alpha = alpha, lfcThreshold = threshold,
                       altHypothesis = alternative), dds, paste0("interaction_under_drug_", alternative))
}

# 3. Cook's outliers replaced and refitted (8 samples per group): LRT ~ condition vs ~ 1.
case <- read_case("outliers")
coldata <- data.frame(condition = factor(case$samples$condition, levels = c("parental", "resistant")),
                      row.names = case$samples$sample)
dds <- DESeq(DESeqDataSetFromMatrix(case$counts, coldata, ~ condition), test = "LRT", reduced = ~ 1, quiet = TRUE)
message("outliers: ", sum(mcols(dds)$replace, na.rm = TRUE), " genes with replaced counts")
write_result(results(dds, alpha = alpha), dds, "outliers_lrt")

versions <- data.frame(
  package = c("R", "DESeq2"),
  version = c(paste(R.version$major, R.version$minor, sep = "."), as.character(packageVersion("DESeq2")))
)
write_tsv(versions, "versions.tsv")
