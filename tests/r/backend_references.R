#!/usr/bin/env Rscript
# R DESeq2 references for the vectorised PyDESeq2 backend (tests/test_inference.py).
# Run from the project root with ../shared present:  Rscript tests/r/backend_references.R
# Writes small tables under tests/data/r_backend/ (committed; CI has no R):
#   <case>_summary.tsv      DESeq2 version, trend coefficients, prior dispersion variance, counts of genes
#   <case>_results.tsv.gz   per gene: baseMean, dispersion, log2FoldChange, lfcSE, stat, pvalue, padj
#                           (airway: every gene with a p-value or padj below 0.1, plus 2,000 sampled genes)
suppressPackageStartupMessages(library(DESeq2))

shared <- file.path("..", "shared", "data")
out <- file.path("tests", "data", "r_backend")
dir.create(out, showWarnings = FALSE, recursive = TRUE)

write_case <- function(name, counts, coldata, design, contrast, keep = NULL) {
  dds <- DESeqDataSetFromMatrix(counts, coldata, design)
  dds <- DESeq(dds, quiet = TRUE)
  res <- results(dds, contrast = contrast, alpha = 0.05)
  coefs <- attr(dispersionFunction(dds), "coefficients")
  summary <- data.frame(
    key = c("deseq2_version", "asymptDisp", "extraPois", "dispPriorVar", "genes", "all_zero",
            "padj_below_0.05", "pvalue_na", "padj_na"),
    value = c(as.character(packageVersion("DESeq2")), format(coefs[["asymptDisp"]], digits = 10),
              format(coefs[["extraPois"]], digits = 10),
              format(attr(dispersionFunction(dds), "dispPriorVar"), digits = 10),
              nrow(res), sum(res$baseMean == 0), sum(res$padj < 0.05, na.rm = TRUE),
              sum(is.na(res$pvalue)), sum(is.na(res$padj)))
  )
  write.table(summary, file.path(out, paste0(name, "_summary.tsv")), sep = "\t", quote = FALSE, row.names = FALSE)
  table <- data.frame(gene_id = rownames(res), baseMean = res$baseMean, dispersion = mcols(dds)$dispersion,
                      log2FoldChange = res$log2FoldChange, lfcSE = res$lfcSE, stat = res$stat,
                      pvalue = res$pvalue, padj = res$padj)
  if (!is.null(keep)) table <- table[keep(table), ]
  numeric <- sapply(table, is.numeric)
  table[numeric] <- lapply(table[numeric], signif, digits = 7)
  connection <- gzfile(file.path(out, paste0(name, "_results.tsv.gz")), "w")
  write.table(table, connection, sep = "\t", quote = FALSE, row.names = FALSE, na = "NA")
  close(connection)
}

# airway, raw counts, ~ dex (control is the reference)
counts <- as.matrix(read.csv(file.path(shared, "airway", "airway_rawcounts.csv"), row.names = 1))
coldata <- read.csv(file.path(shared, "airway", "airway_metadata.csv"), row.names = 1)
coldata$dex <- factor(coldata$dex, levels = c("control", "treated"))
counts <- counts[, rownames(coldata)]
set.seed(20161001)
sampled <- sample(rownames(counts), 2000)
write_case("airway_dex", counts, coldata, ~dex, c("dex", "treated", "control"),
           keep = function(t) (!is.na(t$pvalue) & t$pvalue < 0.1) | (!is.na(t$padj) & t$padj < 0.1) |
             t$gene_id %in% sampled)

# nf-core SRP254919 (salmon gene counts, top 1,000 by CV), rounded, ~ treatment (mCherry reference)
table <- read.delim(file.path(shared, "nfcore_SRP254919", "SRP254919.salmon.merged.gene_counts.top1000cov.tsv"),
                    check.names = FALSE)
sheet <- read.csv(file.path(shared, "nfcore_SRP254919", "SRP254919.samplesheet.csv"))
counts <- round(as.matrix(table[, sheet$sample]))
rownames(counts) <- table$gene_id
coldata <- data.frame(treatment = factor(sheet$treatment, levels = c("mCherry", "hND6")), row.names = sheet$sample)
write_case("nfcore_treatment", counts, coldata, ~treatment, c("treatment", "hND6", "mCherry"))
