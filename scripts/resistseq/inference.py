"""A PyDESeq2 inference backend that fits all genes at once with numpy.

PyDESeq2's ``DefaultInference`` solves one small optimisation problem per gene
in Python (through joblib), which costs milliseconds per gene. The same
problems batched over genes are a few array operations per iteration:

- ``irls``: the negative-binomial GLM by iteratively reweighted least squares,
  all genes in step, each stopping at PyDESeq2's deviance criterion; the few
  genes whose IRLS diverges fall back to PyDESeq2's own per-gene solver.
- ``alpha_mle``: the Cox-Reid adjusted (and optionally prior-regularised)
  dispersion likelihood, maximised by a safeguarded Newton method in
  log-dispersion with analytic first and second derivatives.
- ``wald_test``: the Wald statistics from batched 'p x p' inverses.
- ``lfc_shrink_nbinom_glm``: the apeGLM MAP fold changes by a damped Newton method.

Results agree with ``DefaultInference`` to optimiser tolerance. With
``r_compatible=True`` three steps follow R DESeq2 (1.38) where PyDESeq2 differs:

- the gene-wise dispersions follow R's ``estimateDispersionsGeneEst``: its
  line search (``fitDisp``) from the moments estimate, which stops where the
  likelihood is flat around the start (often a start at the minimum dispersion,
  whose likelihood can still peak further away), its rule that keeps the start
  when the log posterior rose by less than a millionth, and, where the search
  did not converge, the maximiser in place of R's grid search. These estimates
  choose the genes of the trend fit and flag dispersion outliers, so they move
  every later result: on the airway kallisto counts (~ celltype + dex) 3,731 of
  3,855 gene-wise estimates are within 0.1 % of R's (the exact maximum: 3,012),
  65 of the other 124 where R's search did not converge and R takes a grid search;
- the dispersion trend is R's ``parametricDispersionFit``: a gamma-family GLM
  on genes with a gene-wise dispersion above ``100 * min_disp``, refitted on the
  genes within (1e-4, 15) times the current curve, re-selected from all of them
  each round (PyDESeq2 fits every non-zero gene and drops outliers for good);
- the Wald test weights use fitted means floored at ``min_mu`` (0.5), as R's
  ``fitBeta`` does; PyDESeq2 skips the floor, which inflates the standard error
  of genes with a group of zeros.

``VectorisedDeseqDataSet`` carries the trend fit (a ``DeseqDataSet`` method, not
part of the ``Inference`` interface) and screens genes without a Python loop.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import warnings
from collections import Counter
from typing import Literal

import numpy as np
import pandas as pd


def defer_pyplot() -> None:
    """Load ``matplotlib.pyplot`` at its first use instead of with PyDESeq2.

    pydeseq2.utils imports pyplot at module level for plotting helpers the workflow never calls, and
    running pyplot's module code costs ~0.3 s of every job that fits DESeq2. importlib's LazyLoader
    puts a module in its place that runs that code when one of its attributes is first used (any
    ``plt.`` call, or ``matplotlib.use`` switching the backend), so other code sees pyplot as usual.
    """
    if "matplotlib.pyplot" in sys.modules:
        return
    import importlib.util

    import matplotlib

    spec = importlib.util.find_spec("matplotlib.pyplot")
    if spec is None or spec.loader is None:
        return
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules["matplotlib.pyplot"] = module
    spec.loader.exec_module(module)
    matplotlib.pyplot = module


defer_pyplot()

from pydeseq2 import utils  # noqa: E402
from pydeseq2.dds import DeseqDataSet  # noqa: E402
from pydeseq2.default_inference import DefaultInference  # noqa: E402
from pydeseq2.ds import DeseqStats  # noqa: E402
from scipy.optimize import root_scalar  # noqa: E402
from scipy.special import expit, gammaln, polygamma, psi, xlogy  # noqa: E402
from scipy.stats import norm  # noqa: E402
from threadpoolctl import get_cached_controller  # noqa: E402

# L-BFGS-B's default projected-gradient tolerance: PyDESeq2's dispersion fit stops
# at its starting point when the gradient there is below it (genes started at the
# minimum dispersion, whose likelihood is flat there; R DESeq2 also leaves those
# at the minimum). Doing the same keeps the backends' answers equal for them.
LBFGSB_PGTOL = 1e-5

# R DESeq2's gene-wise dispersion fit (estimateDispersionsGeneEst with its C++ fitDisp): its
# defaults dispTol, maxit and kappa_0, fitDisp's Armijo constant and lower limit, and the relative
# gain below which estimateDispersionsGeneEst keeps the starting value (its 'noIncrease' rule).
R_DISP_TOL = 1e-6
R_DISP_MAXIT = 100
R_KAPPA_0 = 1.0
R_ARMIJO = 1e-4
R_LOG_ALPHA_LIMITS = (-30.0, 10.0)
R_NO_INCREASE = 1e-6

logger = logging.getLogger("resistseq.inference")

# The apeGLM MAP search may take this many times max_iter damped Newton steps (see _shrink).
SHRINK_ITERATIONS_PER_MAX_ITER = 5

# Errors a batched numpy step or a per-gene PyDESeq2 routine can raise on a degenerate gene.
NUMERICAL_ERRORS = (np.linalg.LinAlgError, FloatingPointError, ValueError, ZeroDivisionError, OverflowError)


# Genes per chunk of a (samples x genes) step: about this many array entries, so that its temporaries stay
# small (a few MB each, cache-friendly) whatever the table's size.
CHUNK_ENTRIES = 2**20


# Genes per chunk of a whole GLM fit (IRLS, apeGLM): small enough that its (samples x genes) temporaries stay
# within a few hundred MB at 1,000 samples x 60,000 genes, large enough that the benchmark sizes are one chunk.
FIT_CHUNK_ENTRIES = 2**22


def gene_chunks(shape: tuple[int, int], entries: int = CHUNK_ENTRIES) -> list[slice]:
    """Slices of the genes (columns) of a (samples, genes) array, each about ``entries`` entries."""
    n, n_genes = shape
    step = max(1, entries // max(n, 1))
    return [slice(start, min(start + step, n_genes)) for start in range(0, max(n_genes, 1), step)]


# trigamma by recurrence up to this argument, then its asymptotic series (terms to x^-15: error < 1e-16 there).
TRIGAMMA_SERIES_FROM = 10.0
TRIGAMMA_SERIES = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6)


def trigamma(x) -> np.ndarray:
    """``scipy.special.polygamma(1, x)`` for x > 0, twenty times faster (scipy goes through the Hurwitz zeta).

    psi1(x) = sum_{k<K} 1/(x+k)^2 + psi1(x+K), with psi1(z) ~ 1/z + 1/(2z^2) + sum_k B_2k / z^(2k+1) for
    z >= 10; agrees with scipy to a few ulp. Other arguments (x <= 0, NaN) go to scipy.
    """
    x = np.asarray(x, dtype=float)
    z = x.ravel().copy()
    total = np.zeros_like(z)
    small = np.flatnonzero((z > 0) & (z < TRIGAMMA_SERIES_FROM))
    while small.size:
        total[small] += 1.0 / z[small] ** 2
        z[small] += 1.0
        small = small[z[small] < TRIGAMMA_SERIES_FROM]
    with np.errstate(divide="ignore", invalid="ignore"):
        inverse = 1.0 / z
    inverse2 = inverse * inverse
    series = 0.0
    for coefficient in reversed(TRIGAMMA_SERIES[1:]):
        series = inverse2 * (coefficient + series)
    total += inverse + inverse2 * (0.5 + inverse * (TRIGAMMA_SERIES[0] + series))
    other = ~(z > 0)
    if other.any():
        total[other] = polygamma(1, x.ravel()[other])
    return total.reshape(x.shape)


def max_linear_predictor() -> float:
    """Largest x with exp(x) finite in float64, less a margin for multiplying by size factors."""
    return float(np.log(np.finfo(float).max)) - 10.0


# Up to this many samples numpy's einsum is several times faster than BLAS on gram's tall, thin product
# (genes x n) @ (n x p^2) (measured: 7 vs 86 ms at 6 x 60k, 13 vs 57 ms at 12 x 40k; equal near 50 samples).
GRAM_EINSUM_MAX_SAMPLES = 32


def gram(design: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """X^T diag(w_g) X for every gene g: (genes, p, p) from X (n, p) and weights (n, genes)."""
    n, p = design.shape
    outer = (design[:, :, None] * design[:, None, :]).reshape(n, p * p)
    if n <= GRAM_EINSUM_MAX_SAMPLES:
        return np.einsum("ng,nk->gk", weights, outer).reshape(-1, p, p)
    return (weights.T @ outer).reshape(-1, p, p)


def quadratic_forms(design: np.ndarray, matrices: np.ndarray) -> np.ndarray:
    """x_i^T A_g x_i for every sample i and gene g: (n, genes)."""
    n, p = design.shape
    outer = (design[:, :, None] * design[:, None, :]).reshape(n, p * p)
    return outer @ matrices.reshape(-1, p * p).T


def nb_nll_genes(counts: np.ndarray, mu: np.ndarray, alpha: np.ndarray, log_binom: np.ndarray) -> np.ndarray:
    """PyDESeq2's ``nb_nll`` for every gene (columns), with its constant part precomputed."""
    inverse = 1.0 / alpha
    n = counts.shape[0]
    terms = -log_binom + (counts + inverse) * np.log(inverse + mu) - counts * np.log(mu)
    return n * inverse * np.log(alpha) + terms.sum(axis=0)


def log_binomial(counts: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    inverse = 1.0 / alpha
    return gammaln(counts + inverse) - gammaln(counts + 1) - gammaln(inverse)


def finite_genes(*arrays: np.ndarray, axis_of_genes: tuple[int, ...] | None = None) -> np.ndarray:
    """Genes (first axis of each array, or the given axis) whose every entry is finite."""
    axes = axis_of_genes or (0,) * len(arrays)
    genes = None
    for array, axis in zip(arrays, axes, strict=True):
        finite = np.isfinite(array)
        if finite.ndim > 1:
            finite = finite.all(axis=tuple(other for other in range(finite.ndim) if other != axis))
        genes = finite if genes is None else genes & finite
    return genes


def gene_indices(*parts) -> np.ndarray:
    """Sorted unique gene indices from lists or arrays of them."""
    return np.unique(np.concatenate([np.asarray(part, dtype=int).ravel() for part in parts]))


def batched(operation, *arrays: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``operation`` on stacks of per-gene arrays; NaN for genes with non-finite input or where it fails.

    numpy's batched linear algebra raises for the whole stack when one matrix is singular or holds a
    NaN; this applies it to the finite genes at once and, only if that raises, one gene at a time.
    """
    n_genes = arrays[0].shape[0]
    out = np.full((n_genes, *shape), np.nan)
    ok = finite_genes(*arrays)
    every = bool(ok.all())
    with np.errstate(all="ignore"):
        try:
            # numpy's linalg works matrix by matrix, so the stack it gets does not change any answer.
            out[ok] = operation(*arrays) if every else operation(*(a[ok] for a in arrays))
        except np.linalg.LinAlgError:
            for gene in np.flatnonzero(ok):
                with contextlib.suppress(np.linalg.LinAlgError):
                    out[gene] = operation(*(a[gene : gene + 1] for a in arrays))[0]
    return out


def batched_inv(matrices: np.ndarray) -> np.ndarray:
    return batched(np.linalg.inv, matrices, shape=matrices.shape[1:])


def batched_solve(matrices: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Solutions of A_g x = b_g for matrices (genes, p, p) and vectors (genes, p)."""
    return batched(lambda a, b: np.linalg.solve(a, b[:, :, None])[:, :, 0], matrices, vectors, shape=vectors.shape[1:])


def smallest_eigenvalue(matrices: np.ndarray) -> np.ndarray:
    return batched(lambda a: np.linalg.eigvalsh(a)[:, 0], matrices, shape=())


class VectorisedInference(DefaultInference):
    """Drop-in ``pydeseq2.inference.Inference`` that vectorises over genes.

    ``n_cpus`` caps the BLAS threads used inside each call; nothing else runs in
    parallel and no process is spawned.
    """

    def __init__(self, n_cpus: int | None = 1, r_compatible: bool = False, min_mu: float = 0.5, max_iter: int = 100):
        super().__init__(n_cpus=n_cpus or 1)
        self.r_compatible = r_compatible
        self.min_mu = min_mu
        self.max_iter = max_iter
        # Genes refitted with PyDESeq2's per-gene routine, and genes it could not fit either, per step.
        self.fallbacks: Counter = Counter()
        self.failures: Counter = Counter()

    def _threads(self):
        # threadpoolctl's cached controller: a new one (threadpool_limits) rescans the loaded libraries, ~15 ms.
        return get_cached_controller().limit(limits=max(1, int(self.n_cpus)))

    def _per_gene(self, step: str, genes, n_genes: int, refit) -> None:
        """Refit ``genes`` one at a time with ``refit(gene)`` (PyDESeq2's routine) and log how many.

        A gene that PyDESeq2's routine cannot fit either keeps NaN (``refit`` writes nothing) and is
        counted separately; no gene stops the run.
        """
        genes = gene_indices(genes)
        if not genes.size:
            return
        failed = 0
        for gene in genes:
            try:
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore")
                    refit(int(gene))
            except NUMERICAL_ERRORS:
                failed += 1
        self.fallbacks[step] += int(genes.size)
        self.failures[step] += failed
        logger.info(
            "Vectorised backend, %s: %d of %d genes refitted with PyDESeq2's per-gene routine "
            "(batched fit failed, did not converge or was not finite)%s.",
            step,
            genes.size,
            n_genes,
            f"; {failed} could not be fitted either and get NA" if failed else "",
        )

    # ---- mean fits -------------------------------------------------------------------------

    def lin_reg_mu(self, counts, size_factors, design_matrix, min_mu):  # noqa: D102
        with self._threads():
            counts = np.asarray(counts, dtype=float)
            size_factors = np.asarray(size_factors, dtype=float)
            design = np.asarray(design_matrix, dtype=float)
            with np.errstate(all="ignore"):
                normalised = counts / size_factors[:, None]
                usable = finite_genes(normalised, axis_of_genes=(1,))
                mu = np.full(counts.shape, np.nan)
                if usable.any():
                    coefficients = np.linalg.lstsq(design, normalised[:, usable], rcond=None)[0]
                    mu[:, usable] = np.maximum(size_factors[:, None] * (design @ coefficients), min_mu)

            def refit(gene):
                mu[:, gene] = utils.fit_lin_mu(counts[:, gene], size_factors, design, min_mu)

            bad = np.flatnonzero(~finite_genes(mu, axis_of_genes=(1,)))
            self._per_gene("initial means (lin_reg_mu)", bad, counts.shape[1], refit)
            return mu

    def irls(  # noqa: D102
        self,
        counts,
        size_factors,
        design_matrix,
        disp,
        min_mu,
        beta_tol,
        min_beta=-30,
        max_beta=30,
        optimizer: Literal["BFGS", "L-BFGS-B"] = "L-BFGS-B",
        maxiter=250,
    ):
        counts = np.asarray(counts, dtype=float)
        size_factors = np.asarray(size_factors, dtype=float)
        design = np.asarray(design_matrix, dtype=float)
        disp = np.asarray(disp, dtype=float)
        (n, p), n_genes = design.shape, counts.shape[1]
        beta, mu, hat = np.empty((n_genes, p)), np.empty((n, n_genes)), np.empty((n, n_genes))
        converged = np.empty(n_genes, dtype=bool)
        # Genes in chunks: each IRLS iteration makes about ten (samples x genes) temporaries.
        with self._threads():
            for chunk in gene_chunks(counts.shape, FIT_CHUNK_ENTRIES):
                beta[chunk], mu[:, chunk], hat[:, chunk], converged[chunk] = self._irls(
                    counts[:, chunk],
                    size_factors,
                    design,
                    disp[chunk],
                    min_mu,
                    beta_tol,
                    min_beta,
                    max_beta,
                    optimizer,
                    maxiter,
                )
        return beta, mu, hat, converged

    def _irls(self, counts, size_factors, design, disp, min_mu, beta_tol, min_beta, max_beta, optimizer, maxiter):
        n, p = design.shape
        n_genes = counts.shape[1]
        sf = size_factors[:, None]
        with np.errstate(all="ignore"):
            if np.linalg.matrix_rank(design) == p:
                q, r = np.linalg.qr(design)
                beta = np.linalg.solve(r, q.T @ np.log(counts / sf + 0.1)).T
            else:
                beta = np.zeros((n_genes, p))
                beta[:, 0] = np.log(counts / sf).mean(axis=0)
            ridge = np.diag(np.repeat(1e-6, p))
            mu = np.maximum(
                sf * np.exp(np.clip(design @ beta.T, -max_linear_predictor(), max_linear_predictor())), min_mu
            )
            log_binom = log_binomial(counts, disp)
        deviance = np.full(n_genes, 1000.0)
        # Genes with a non-finite start, dispersion or count go to PyDESeq2's solver straight away.
        startable = finite_genes(beta, disp, log_binom.T, counts.T)
        active = np.flatnonzero(startable)
        fallback = np.flatnonzero(~startable).tolist()
        iteration = 0
        while active.size:
            iteration += 1
            with np.errstate(all="ignore"):
                mu_a, disp_a = mu[:, active], disp[active]
                weights = mu_a / (1.0 + mu_a * disp_a)
                z = np.log(mu_a / sf) + (counts[:, active] - mu_a) / mu_a
                beta_hat = batched_solve(gram(design, weights) + ridge, (weights * z).T @ design)
            diverged = (
                ~np.isfinite(beta_hat).all(axis=1) | (np.abs(beta_hat) > max_beta).any(axis=1) | (iteration >= maxiter)
            )
            fallback.extend(active[diverged].tolist())
            keep = ~diverged
            active, beta_hat = active[keep], beta_hat[keep]
            beta[active] = beta_hat
            with np.errstate(all="ignore"):
                # |beta| <= max_beta here, so the linear predictor is bounded and exp cannot overflow.
                mu_new = np.maximum(sf * np.exp(design @ beta_hat.T), min_mu)
                new = -2.0 * nb_nll_genes(counts[:, active], mu_new, disp[active], log_binom[:, active])
            mu[:, active] = mu_new
            finite = np.isfinite(new)
            fallback.extend(active[~finite].tolist())
            active, mu_new, new = active[finite], mu_new[:, finite], new[finite]
            old = deviance[active]
            deviance[active] = new
            active = active[np.abs(new - old) / (np.abs(new) + 0.1) > beta_tol]
        with np.errstate(all="ignore"):
            weights = mu / (1.0 + mu * disp)
            inverse = batched_inv(gram(design, weights) + ridge)
            hat = weights * quadratic_forms(design, inverse)
            mu = size_factors[:, None] * np.exp(
                np.clip(design @ beta.T, -max_linear_predictor(), max_linear_predictor())
            )
        converged = np.ones(n_genes, dtype=bool)
        fallback = gene_indices(fallback, np.flatnonzero(~finite_genes(beta, mu.T, hat.T)))
        beta[fallback], mu[:, fallback], hat[:, fallback], converged[fallback] = np.nan, np.nan, np.nan, False

        def refit(gene):
            beta[gene], mu[:, gene], hat[:, gene], converged[gene] = utils.irls_solver(
                counts=counts[:, gene],
                size_factors=size_factors,
                design_matrix=design,
                disp=disp[gene],
                min_mu=min_mu,
                beta_tol=beta_tol,
                min_beta=min_beta,
                max_beta=max_beta,
                optimizer=optimizer,
                maxiter=maxiter,
            )

        self._per_gene("GLM fit (IRLS)", fallback, n_genes, refit)
        return beta, mu, hat, converged

    # ---- dispersions -----------------------------------------------------------------------

    def alpha_mle(  # noqa: D102
        self,
        counts,
        design_matrix,
        mu,
        alpha_hat,
        min_disp,
        max_disp,
        prior_disp_var=None,
        cr_reg=True,
        prior_reg=False,
        optimizer: Literal["BFGS", "L-BFGS-B"] = "L-BFGS-B",
    ):
        if prior_reg and prior_disp_var is None:
            raise ValueError("Sigma_prior is required for prior regularization")
        with self._threads():
            return self._alpha_mle(
                np.asarray(counts, dtype=float),
                np.asarray(design_matrix, dtype=float),
                np.asarray(mu, dtype=float),
                np.asarray(alpha_hat, dtype=float),
                min_disp,
                max_disp,
                prior_disp_var,
                cr_reg,
                prior_reg,
                optimizer,
            )

    def _alpha_mle(self, counts, design, mu, alpha_hat, min_disp, max_disp, prior_var, cr_reg, prior_reg, optimizer):
        lower, upper = np.log(min_disp), np.log(max_disp)
        with np.errstate(all="ignore"):
            log_alpha_hat = np.log(alpha_hat)

        # The parts of the loss that do not depend on the dispersion, per gene, computed once:
        # sum(log y! - y log mu) and sum(y) (for the y log alpha of log(alpha mu)).
        constant, count_sums = np.empty(counts.shape[1]), counts.sum(axis=0)
        for chunk in gene_chunks(counts.shape):
            with np.errstate(all="ignore"):
                constant[chunk] = (gammaln(counts[:, chunk] + 1) - xlogy(counts[:, chunk], mu[:, chunk])).sum(axis=0)

        def evaluate(genes, u, order=2, with_loss=True):
            """Loss, and for ``order`` 1 or 2 its first and second derivative in u = log alpha (None where not
            asked, the loss too without ``with_loss``), for the given genes; NaN where undefined. Works through
            the genes in chunks that bound the (samples x genes) temporaries."""
            chunks = gene_chunks((counts.shape[0], genes.size))
            with np.errstate(all="ignore"):
                if len(chunks) == 1:
                    return terms(genes, u, order, with_loss)
                parts = [terms(genes[chunk], u[chunk], order, with_loss) for chunk in chunks]
            if order == 0:
                return np.concatenate(parts)
            return tuple(None if part[0] is None else np.concatenate(part) for part in zip(*parts, strict=True))

        def terms(genes, u, order, with_loss=True):
            y, m = counts[:, genes], mu[:, genes]
            alpha = np.exp(u)
            inverse = 1.0 / alpha
            am = alpha * m
            log1p_am = np.log1p(am)
            y_inverse = y + inverse
            one_am = 1.0 + am
            loss = grad = hess = None
            if with_loss:
                loss = (
                    constant[genes]
                    - u * count_sums[genes]
                    + y.shape[0] * gammaln(inverse)
                    + ((y_inverse) * log1p_am - gammaln(y_inverse)).sum(axis=0)
                )
            if order:
                y_m = y - m
                s = (psi(inverse) - psi(y_inverse) + log1p_am + alpha * y_m / one_am).sum(axis=0)
                grad = -inverse * s
            if order == 2 or cr_reg:
                w = m / one_am
            if order == 2:
                ds = (-(inverse**2) * (trigamma(inverse) - trigamma(y_inverse)) + w + y_m / one_am**2).sum(axis=0)
                hess = inverse * s - ds
            if cr_reg:
                matrix = gram(design, w)
                if with_loss:
                    loss = loss + 0.5 * batched(lambda a: np.linalg.slogdet(a)[1], matrix, shape=())
                if order:
                    inv = batched_inv(matrix)
                    dw = -alpha * w**2
                    a = inv @ gram(design, dw)
                    grad = grad + 0.5 * np.trace(a, axis1=1, axis2=2)
                if order == 2:
                    d2w = dw + 2 * alpha**2 * w**3
                    b = inv @ gram(design, d2w)
                    hess = hess + 0.5 * (np.trace(b, axis1=1, axis2=2) - np.einsum("gij,gji->g", a, a))
            if prior_reg:
                if with_loss:
                    loss = loss + (u - log_alpha_hat[genes]) ** 2 / (2 * prior_var)
                if order:
                    grad = grad + (u - log_alpha_hat[genes]) / prior_var
                if order == 2:
                    hess = hess + 1.0 / prior_var
            return (loss, grad, hess) if order else loss

        n_genes = counts.shape[1]
        u = np.clip(log_alpha_hat, lower, upper)
        converged = np.ones(n_genes, dtype=bool)
        genes = np.arange(n_genes)
        r_genewise = self.r_compatible and not prior_reg
        if r_genewise:
            start_loss, start_grad, _ = evaluate(genes, u, order=1)
            r_path = r_fit_disp(evaluate, u.copy(), start_loss, start_grad, np.log(min_disp / 10))
            # R's estimate is its line search's end except where r_genewise_result takes the maximiser
            # (search not started, not converged, or a single step): only those genes need the Newton fit.
            iterations = r_path[4]
            genes = np.flatnonzero((iterations >= R_DISP_MAXIT) | (iterations <= 1) | ~np.isfinite(r_path[1]))
        loss, grad, hess = (np.full(n_genes, np.nan) for _ in range(3))
        if genes.size:
            loss[genes], grad[genes], hess[genes] = evaluate(genes, u[genes])
        startable = finite_genes(u[genes], loss[genes], grad[genes], hess[genes])
        # Genes whose likelihood or derivatives are not finite at the start go to PyDESeq2's fit.
        fallback = genes[~startable].tolist()
        g, lu = grad[genes], u[genes]
        projected = np.where(lu <= lower, np.minimum(g, 0), np.where(lu >= upper, np.maximum(g, 0), g))
        active = genes[(np.abs(projected) > LBFGSB_PGTOL) & startable]
        for _ in range(self.max_iter):
            if not active.size:
                break
            g, h = grad[active], hess[active]
            step = np.where(h > 0, -g / np.where(h > 0, h, 1.0), -np.sign(g))
            step = np.clip(step, -2.0, 2.0)
            start, start_loss = u[active], loss[active]
            moved = np.zeros(active.size, dtype=bool)
            pending = np.arange(active.size)
            for _halving in range(40):
                trial = np.clip(start[pending] + step[pending], lower, upper)
                trial_loss = evaluate(active[pending], trial, order=0)
                better = np.isfinite(trial_loss) & (
                    trial_loss <= start_loss[pending] + 1e-12 * np.abs(start_loss[pending])
                )
                accepted = pending[better]
                u[active[accepted]] = trial[better]
                moved[accepted] = True
                pending = pending[~better]
                if not pending.size:
                    break
                step[pending] *= 0.5
            change = np.abs(u[active] - start)
            new_loss, new_grad, new_hess = evaluate(active, u[active])
            loss[active], grad[active], hess[active] = new_loss, new_grad, new_hess
            finite = finite_genes(new_loss, new_grad, new_hess)
            fallback.extend(active[~finite].tolist())
            at_bound_out = ((u[active] <= lower) & (new_grad > 0)) | ((u[active] >= upper) & (new_grad < 0))
            done = ~moved | (change < 1e-9) | at_bound_out | ~finite
            active = active[~done]
        # Genes still moving after max_iter Newton steps did not converge: PyDESeq2's fit decides.
        fallback = gene_indices(fallback, active)
        u[fallback], converged[fallback] = np.nan, False

        def refit(gene):
            alpha, converged[gene] = utils.fit_alpha_mle(
                counts=counts[:, gene],
                design_matrix=design,
                mu=mu[:, gene],
                alpha_hat=alpha_hat[gene],
                min_disp=min_disp,
                max_disp=max_disp,
                prior_disp_var=prior_var,
                cr_reg=cr_reg,
                prior_reg=prior_reg,
                optimizer=optimizer,
            )
            u[gene] = np.log(alpha)

        step = "MAP dispersions" if prior_reg else "gene-wise dispersions"
        self._per_gene(step, fallback, n_genes, refit)
        if r_genewise:
            r_u = r_genewise_result(r_path, u, counts, mu, np.log(min_disp), upper)
            # Genes R's line search could not start on (non-finite likelihood) keep the fallback maximum.
            u = np.where(np.isfinite(r_u) & (r_path[4] > 0), r_u, u)
        return np.exp(u), converged

    # ---- tests -----------------------------------------------------------------------------

    def wald_test(  # noqa: D102
        self,
        design_matrix,
        disp,
        lfc,
        mu,
        ridge_factor,
        contrast,
        lfc_null,
        alt_hypothesis: Literal["greaterAbs", "lessAbs", "greater", "less"] | None = None,
    ):
        with self._threads():
            design = np.asarray(design_matrix, dtype=float)
            disp = np.asarray(disp, dtype=float)
            lfc = np.asarray(lfc, dtype=float)
            mu = np.asarray(mu, dtype=float)
            contrast = np.asarray(contrast, dtype=float)
            n_genes = mu.shape[1]
            pvalue, stat, se = (np.full(n_genes, np.nan) for _ in range(3))
            ok = np.isfinite(mu).all(axis=0) & np.isfinite(disp) & np.isfinite(lfc).all(axis=1)
            with np.errstate(all="ignore"):
                # Genes in chunks, as in irls: at 1,000 samples x 60,000 genes each (samples x genes) temporary
                # is 0.5 GB, and this step held five of them at the run's peak memory.
                for chunk in gene_chunks(mu.shape, FIT_CHUNK_ENTRIES):
                    genes = chunk.start + np.flatnonzero(ok[chunk])
                    m = mu[:, genes]
                    if self.r_compatible:
                        m = np.maximum(m, self.min_mu)
                    weights = m / (1.0 + m * disp[genes])
                    matrix = gram(design, weights)
                    hc = batched_inv(matrix + ridge_factor) @ contrast
                    se[genes] = np.sqrt(np.einsum("gi,gij,gj->g", hc, matrix, hc))
                stat[ok], pvalue[ok] = wald_statistic(lfc[ok], se[ok], contrast, lfc_null, alt_hypothesis)

            def refit(gene):
                means = np.maximum(mu[:, gene], self.min_mu) if self.r_compatible else mu[:, gene]
                pvalue[gene], stat[gene], se[gene] = utils.wald_test(
                    design, disp[gene], lfc[gene], means, ridge_factor, contrast, lfc_null, alt_hypothesis
                )

            # Genes with finite estimates but a non-finite statistic get PyDESeq2's per-gene test.
            bad = np.flatnonzero(ok & ~finite_genes(pvalue, stat, se))
            self._per_gene("Wald test", bad, n_genes, refit)
            return pvalue, stat, se

    # ---- apeGLM shrinkage --------------------------------------------------------------------

    def lfc_shrink_nbinom_glm(  # noqa: D102
        self,
        design_matrix,
        counts,
        size,
        offset,
        prior_no_shrink_scale,
        prior_scale,
        optimizer,
        shrink_index,
    ):
        design = np.asarray(design_matrix, dtype=float)
        # PyDESeq2 passes integer counts: converted chunk by chunk, not as a second (samples x genes) table.
        counts = np.asarray(counts)
        size = np.asarray(size, dtype=float)
        p, n_genes = design.shape[1], counts.shape[1]
        beta, inv_hessian = np.empty((n_genes, p)), np.empty((n_genes, p, p))
        converged = np.empty(n_genes, dtype=bool)
        with self._threads():
            for chunk in gene_chunks(counts.shape, FIT_CHUNK_ENTRIES):
                beta[chunk], inv_hessian[chunk], converged[chunk] = self._shrink(
                    design,
                    np.asarray(counts[:, chunk], dtype=float),
                    size[chunk],
                    np.asarray(offset, dtype=float),
                    float(prior_no_shrink_scale),
                    float(prior_scale),
                    int(shrink_index),
                    optimizer,
                )
        return beta, inv_hessian, converged

    def _shrink(self, design, counts, size, offset, no_shrink_scale, scale, shrink_index, optimizer="L-BFGS-B"):
        n, p = design.shape
        n_genes = counts.shape[1]
        shrink = np.zeros(p)
        shrink[shrink_index] = 1.0
        keep = 1.0 - shrink
        with np.errstate(all="ignore"):
            log_size = np.log(size)

        def objective(genes, beta):
            with np.errstate(all="ignore"):
                xbeta = design @ beta.T
                y = counts[:, genes]
                prior = (((beta * keep) ** 2) / (2 * no_shrink_scale**2)).sum(axis=1) + np.log1p(
                    (beta[:, shrink_index] / scale) ** 2
                )
                nll = (y * xbeta - (y + size[genes]) * np.logaddexp(xbeta + offset[:, None], log_size[genes])).sum(
                    axis=0
                )
                return prior - nll

        def derivatives(genes, beta):
            with np.errstate(all="ignore"):
                xbeta = design @ beta.T
                y, s = counts[:, genes], size[genes]
                b = beta[:, shrink_index]
                grad_prior = beta * keep / no_shrink_scale**2 + np.outer(2 * b / (scale**2 + b**2), shrink)
                # With t = x'beta + offset - log(size): mu / (size + mu) = expit(t), and the NB weight
                # size * mu / (size + mu)^2 = expit(t) * expit(-t); neither overflows for any t.
                t = xbeta + offset[:, None] - log_size[genes]
                share = expit(t)
                grad_nll = ((y - (y + s) * share).T) @ design
                # One expression, as it was: its memory layout (numpy reuses the temporaries) decides gram's
                # einsum summation order, so a named (y + s) * share would move the last bits of the result.
                frac = (y + s) * share * expit(-t)
                curvature = np.outer(np.full(len(genes), 1 / no_shrink_scale**2), keep) + np.outer(
                    2 * (scale**2 - b**2) / (scale**2 + b**2) ** 2, shrink
                )
                return grad_prior - grad_nll, gram(design, frac), curvature

        def newton(beta, loss, active):
            """Damped Newton from ``beta`` for the ``active`` genes (in place); returns (unusable, still moving)."""
            unusable = []
            # With the narrow prior of null data (scale ~1e-3) the MAP search crawls through the prior's
            # non-convex region: a few hundred damped steps for some genes, cheap as few genes remain.
            for _ in range(SHRINK_ITERATIONS_PER_MAX_ITER * self.max_iter):
                if not active.size:
                    break
                grad, data_hessian, curvature = derivatives(active, beta[active])
                hessian = data_hessian + curvature[:, :, None] * np.eye(p)
                smallest = smallest_eigenvalue(hessian)
                with np.errstate(all="ignore"):
                    damping = np.where(smallest > 1e-8, 0.0, 1e-6 - smallest + 1e-3 * np.abs(hessian).max(axis=(1, 2)))
                    step = -batched_solve(hessian + damping[:, None, None] * np.eye(p), grad)
                usable = np.isfinite(step).all(axis=1) & np.isfinite(grad).all(axis=1)
                unusable.extend(active[~usable].tolist())
                active, step = active[usable], step[usable]
                start, start_loss = beta[active].copy(), loss[active]
                pending = np.arange(active.size)
                moved = np.zeros(active.size, dtype=bool)
                for _halving in range(40):
                    if not pending.size:
                        break
                    trial = start[pending] + step[pending]
                    trial_loss = objective(active[pending], trial)
                    better = np.isfinite(trial_loss) & (
                        trial_loss <= start_loss[pending] + 1e-12 * np.abs(start_loss[pending])
                    )
                    accepted = pending[better]
                    beta[active[accepted]] = trial[better]
                    loss[active[accepted]] = trial_loss[better]
                    moved[accepted] = True
                    pending = pending[~better]
                    step[pending] *= 0.5
                change = np.abs(beta[active] - start).max(axis=1)
                done = ~moved | (change < 1e-10)
                active = active[~done]
            return unusable, active

        beta = np.tile(0.1 * (-1.0) ** np.arange(p), (n_genes, 1))
        loss = objective(np.arange(n_genes), beta)
        startable = np.isfinite(loss) & np.isfinite(size) & np.isfinite(counts).all(axis=0)
        unusable, moving = newton(beta, loss, np.flatnonzero(startable))
        # The apeGLM posterior can have two modes, one near 0 (the prior's) and one near the MLE; the
        # search from PyDESeq2's start may end in the worse one. Genes that ended past the prior's
        # scale are searched again from their fit with the shrunken coefficient at 0; the lower wins.
        far = np.flatnonzero(startable & (np.abs(beta[:, shrink_index]) > scale))
        far = np.setdiff1d(far, gene_indices(unusable, moving))
        if far.size:
            second = beta.copy()
            second[far, shrink_index] = 0.0
            second_loss = loss.copy()
            second_loss[far] = objective(far, second[far])
            second_unusable, second_moving = newton(second, second_loss, far)
            lower = far[(second_loss[far] < loss[far]) & ~np.isin(far, gene_indices(second_unusable, second_moving))]
            beta[lower], loss[lower] = second[lower], second_loss[lower]
        fallback = gene_indices(np.flatnonzero(~startable), unusable)
        active = moving
        converged = np.ones(n_genes, dtype=bool)
        _, data_hessian, curvature = derivatives(np.arange(n_genes), beta)
        # PyDESeq2's Hessian for the standard errors adds the prior curvature vector to
        # every row (numpy broadcasting of np.diag of a diagonal matrix); kept so the
        # two backends report the same lfcSE.
        inv_hessian = batched_inv(data_hessian + curvature[:, None, :])
        # Genes still moving after max_iter steps, or with a non-finite answer, get PyDESeq2's fit.
        fallback = gene_indices(fallback, active, np.flatnonzero(~finite_genes(beta, inv_hessian)))
        beta[fallback], inv_hessian[fallback], converged[fallback] = np.nan, np.nan, False

        def refit(gene):
            beta[gene], inv_hessian[gene], converged[gene] = utils.nbinomGLM(
                design_matrix=design,
                counts=counts[:, gene],
                size=size[gene],
                offset=offset,
                prior_no_shrink_scale=no_shrink_scale,
                prior_scale=scale,
                optimizer=optimizer,
                shrink_index=shrink_index,
            )

        self._per_gene("apeGLM shrinkage", fallback, n_genes, refit)
        return beta, inv_hessian, converged


def r_fit_disp(evaluate, u, loss, grad, min_log_alpha):
    """R DESeq2's ``fitDisp`` line search for every gene at once: gradient ascent in log dispersion.

    ``evaluate(genes, u, order, with_loss)`` gives the loss (negative log posterior up to a per-gene
    constant) and its gradient in u = log alpha (the gradient alone without ``with_loss``); ``u``,
    ``loss``, ``grad`` hold the start.
    Returns (start, u, loss at u, start loss, iterations): R's alpha_init, log_alpha, last_lp,
    initial_lp and iter (the losses up to sign and a per-gene constant).
    """
    n_genes = u.size
    start, initial_loss = u.copy(), loss.copy()
    direction = -grad
    kappa = np.full(n_genes, R_KAPPA_0)
    iterations = np.zeros(n_genes, dtype=int)
    accepted_steps = np.zeros(n_genes, dtype=int)
    active = np.flatnonzero(np.isfinite(u) & np.isfinite(loss) & np.isfinite(grad))
    low, high = R_LOG_ALPHA_LIMITS
    for _ in range(R_DISP_MAXIT):
        if not active.size:
            break
        iterations[active] += 1
        a, d, k = u[active], direction[active], kappa[active]
        with np.errstate(divide="ignore", invalid="ignore"):
            k = np.where(a + k * d < low, (low - a) / d, k)
            k = np.where(a + k * d > high, (high - a) / d, k)
        proposal = a + k * d
        proposal_loss = evaluate(active, proposal, order=0)
        accept = np.isfinite(proposal_loss) & (proposal_loss <= loss[active] - k * R_ARMIJO * d**2)
        kappa[active[~accept]] = k[~accept] / 2
        genes = active[accept]
        change = loss[genes] - proposal_loss[accept]
        u[genes], loss[genes] = proposal[accept], proposal_loss[accept]
        accepted_steps[genes] += 1
        stop = (change < R_DISP_TOL) | (u[genes] < min_log_alpha)
        going = genes[~stop]
        if going.size:
            _, new_grad, _ = evaluate(going, u[going], order=1, with_loss=False)
            direction[going] = -new_grad
            k = np.minimum(k[accept][~stop] * 1.1, R_KAPPA_0)
            kappa[going] = np.where(accepted_steps[going] % 5 == 0, k / 2, k)
        active = np.concatenate([active[~accept], going])
        active.sort()
    return start, u, loss, initial_loss, iterations


def r_genewise_result(r_path, optimum, counts, mu, lower, upper):
    """R's gene-wise estimate from its line search (``r_fit_disp``), in log dispersion.

    As estimateDispersionsGeneEst: the start where the log posterior rose by less than a millionth
    of its start value; where the search did not converge (maxit reached, or a single step) and the
    estimate is above 10 x the minimum, R's grid search, for which the maximiser ``optimum`` stands.
    """
    start, u, loss, initial_loss, iterations = r_path
    # R's log posterior leaves out sum(log y! - y log mu) of the loss; the threshold is relative to it.
    with np.errstate(divide="ignore", invalid="ignore"):
        omitted = np.where(counts > 0, gammaln(counts + 1) - counts * np.log(mu), 0.0).sum(axis=0)
    u = np.where(initial_loss - loss < np.abs(omitted - initial_loss) * R_NO_INCREASE, start, u)
    refit = ((iterations >= R_DISP_MAXIT) | (iterations == 1)) & (u > lower + np.log(10))
    u = np.where(refit, optimum, u)
    return np.clip(u, lower, upper)


def wald_statistic(lfc, se, contrast, lfc_null, alt_hypothesis):
    """PyDESeq2's Wald statistic and p-value for every gene (rows of ``lfc``)."""
    se = se[:, None]

    def greater(null):
        stat = np.fmax((lfc - null) / se, 0) @ contrast
        return stat, norm.sf(stat)

    def less(null):
        stat = np.fmin((lfc - null) / se, 0) @ contrast
        return stat, norm.sf(np.abs(stat))

    if alt_hypothesis is None:
        stat = (lfc - lfc_null) @ contrast / se[:, 0]
        return stat, 2 * norm.sf(np.abs(stat))
    if alt_hypothesis == "greater":
        return greater(lfc_null)
    if alt_hypothesis == "less":
        return less(lfc_null)
    if alt_hypothesis == "greaterAbs":
        stat = (np.sign(lfc) * np.fmax((np.abs(lfc) - lfc_null) / se, 0)) @ contrast
        return stat, 2 * norm.sf(np.abs(stat))
    if alt_hypothesis == "lessAbs":
        stat_above, p_above = greater(-abs(lfc_null))
        stat_below, p_below = less(abs(lfc_null))
        stat = np.where(np.abs(stat_above) <= np.abs(stat_below), stat_above, stat_below)
        return stat, np.maximum(p_above, p_below)
    raise ValueError(f"Unknown alternative hypothesis {alt_hypothesis!r}")


class VectorisedDeseqDataSet(DeseqDataSet):
    """``DeseqDataSet`` whose parametric dispersion trend is fitted without per-gene Python.

    With a ``VectorisedInference(r_compatible=True)`` the trend follows R DESeq2's
    ``parametricDispersionFit``; otherwise PyDESeq2's own algorithm (same genes,
    same gamma-GLM solver, same result).
    """

    def _fit_parametric_dispersion_trend(self, vst: bool = False):
        disp_param_name = "vst_genewise_dispersions" if vst else "genewise_dispersions"
        if disp_param_name not in self.var:
            self.fit_genewise_dispersions(vst)
        dispersions = self.var.loc[self.non_zero_genes, disp_param_name]
        means = self.var.loc[self.non_zero_genes, "_normed_means"]
        # Genes whose gene-wise fit failed even per gene (NaN) take no part in the trend.
        fitted = np.isfinite(dispersions.to_numpy()) & np.isfinite(means.to_numpy())
        dispersions, means = dispersions[fitted], means[fitted]
        try:
            with np.errstate(all="ignore"):
                if getattr(self.inference, "r_compatible", False):
                    coeffs = r_parametric_trend(means.to_numpy(), dispersions.to_numpy(), self.min_disp)
                else:
                    coeffs = self._pydeseq2_trend(means, dispersions)
        except NUMERICAL_ERRORS as error:
            logger.info("Dispersion trend: the parametric fit failed (%s).", error)
            coeffs = None
        if coeffs is not None and not np.isfinite(coeffs).all():
            coeffs = None
        if coeffs is None:
            logger.warning("Dispersion trend: the parametric fit failed; using the mean dispersion (as PyDESeq2).")
            warnings.warn(
                "The dispersion trend curve fitting did not converge. Switching to a mean-based dispersion trend.",
                UserWarning,
                stacklevel=2,
            )
            self._fit_mean_dispersion_trend(vst)
            return
        if vst:
            self.uns["vst_trend_coeffs"] = pd.Series(coeffs, index=["a0", "a1"])
        else:
            self.uns["trend_coeffs"] = pd.Series(coeffs, index=["a0", "a1"])
            self.var["fitted_dispersions"] = np.full(self.n_vars, np.nan)
            self.uns["disp_function_type"] = "parametric"
            self.var.loc[self.var["non_zero"], "fitted_dispersions"] = self.disp_function(
                self.var.loc[self.var["non_zero"], "_normed_means"]
            )

    def _pydeseq2_trend(self, means: pd.Series, dispersions: pd.Series):
        """PyDESeq2 0.5.4's ``_fit_parametric_dispersion_trend`` loop, with the screening vectorised."""
        covariates = 1 / means
        usable = np.isfinite(covariates.to_numpy())
        targets, covariates = dispersions[usable], covariates[usable]
        old_coeffs = pd.Series([0.1, 0.1])
        coeffs = pd.Series([1.0, 1.0])
        while (coeffs > 1e-10).all() and (np.log(np.abs(coeffs / old_coeffs)) ** 2).sum() >= 1e-6:
            old_coeffs = coeffs
            coeffs, predictions, converged = self.inference.dispersion_trend_gamma_glm(covariates, targets)
            if not converged or (coeffs <= 1e-10).any():
                return None
            ratios = targets.to_numpy() / predictions
            kept = ~((ratios < 1e-4) | (ratios >= 15))
            targets, covariates = targets[kept], covariates[kept]
        return np.asarray(coeffs)


def gamma_identity_glm(x: np.ndarray, y: np.ndarray, start: np.ndarray, max_iter: int = 25):
    """Coefficients of ``glm(y ~ x, family=Gamma(link="identity"), start=start)`` by R's IRLS.

    Returns (coefficients, converged); R's convergence rule (relative deviance change < 1e-8).
    """
    design = np.column_stack([np.ones_like(x), x])
    coeffs = np.asarray(start, dtype=float)
    mu = design @ coeffs
    deviance = gamma_deviance(y, mu)
    for _ in range(max_iter):
        weights = 1.0 / mu**2
        coeffs = np.linalg.solve((design.T * weights) @ design, (design.T * weights) @ y)
        mu = design @ coeffs
        if (mu <= 0).any():
            return coeffs, False
        new_deviance = gamma_deviance(y, mu)
        if abs(new_deviance - deviance) / (abs(new_deviance) + 0.1) < 1e-8:
            return coeffs, True
        deviance = new_deviance
    return coeffs, False


def gamma_deviance(y: np.ndarray, mu: np.ndarray) -> float:
    return float(-2 * np.sum(np.log(y / mu) - (y - mu) / mu))


def r_parametric_trend(means: np.ndarray, dispersions: np.ndarray, min_disp: float):
    """R DESeq2's ``parametricDispersionFit`` on genes with dispersion above ``100 * min_disp``.

    Returns (asymptDisp, extraPois), or None where R stops with an error.
    """
    use = dispersions > 100 * min_disp
    means, dispersions = means[use], dispersions[use]
    coeffs = np.array([0.1, 1.0])
    for _ in range(11):
        residuals = dispersions / (coeffs[0] + coeffs[1] / means)
        good = (residuals > 1e-4) & (residuals < 15)
        old = coeffs
        coeffs, converged = gamma_identity_glm(1 / means[good], dispersions[good], old)
        if not (coeffs > 0).all():
            return None
        if np.sum(np.log(coeffs / old) ** 2) < 1e-6 and converged:
            return coeffs
    return None


BACKENDS = ("vectorised", "pydeseq2")


def backend_dataset(backend: str, n_cpus: int, r_compatible: bool = True):
    """(DeseqDataSet class, inference object) for a ``deseq2.backend`` config value."""
    if backend == "vectorised":
        return VectorisedDeseqDataSet, VectorisedInference(n_cpus=n_cpus, r_compatible=r_compatible)
    if backend == "pydeseq2":
        return DeseqDataSet, DefaultInference(n_cpus=n_cpus)
    raise ValueError(f"Unknown DE backend {backend!r}; use one of {', '.join(BACKENDS)}.")


class BoundedPriorDeseqStats(DeseqStats):
    """``DeseqStats`` whose apeGLM prior variance stays within its bounds instead of raising.

    PyDESeq2 finds the prior variance as the root of an equation bracketed by (1e-6, 400) and raises
    (scipy's "f(a) and f(b) must have different signs") when the root lies above 400, as on tiny
    tables with counts up to 1e9 (found by tests/test_stress.py). Then the upper bound is the answer,
    as the lower bound is when the root lies below it; genes without a finite LFC or SE are left out.
    """

    def _fit_prior_var(self, coeff_idx: str, min_var: float = 1e-6, max_var: float = 400.0) -> float:
        lfc = self.LFC.iloc[:, coeff_idx].to_numpy(dtype=float)
        se = np.asarray(self.SE, dtype=float)
        keep = np.isfinite(lfc) & np.isfinite(se)
        squared, variance = lfc[keep] ** 2, se[keep] ** 2

        def objective(a: float) -> float:
            coeff = 1 / (2 * (a + variance) ** 2)
            return ((squared - variance) * coeff).sum() / coeff.sum() - a

        if not keep.any() or not objective(min_var) >= 0:
            return min_var
        if objective(max_var) > 0:
            logger.info("apeGLM prior variance: the estimate lies above %g; using %g.", max_var, max_var)
            return max_var
        return root_scalar(objective, bracket=(min_var, max_var)).root
