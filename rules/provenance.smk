# results/provenance.json, written by Snakemake's handlers rather than by a rule: it describes the run
# (times, software, command), not the data. As a rule it would either be skipped when its inputs are
# unchanged (leaving no record of the run) or, forced every time, leave every dry-run with pending
# work. Handlers run once, in the main Snakemake process (also under SLURM), after a run that did
# something: "Nothing to be done" leaves the previous record, which still describes the results.
import json
import sys

from resistseq.provenance import collect_provenance, utc_now, write_provenance

PROVENANCE = {"started": None}


def record_provenance(status):
    write_provenance(
        "results/provenance.json",
        collect_provenance(
            status=status,
            started=PROVENANCE["started"],
            finished=utc_now(),
            config=config,
            config_files=[str(path) for path in workflow.overwrite_configfiles]
            or ["config/config.yaml"],
            sample_sheet=config["samples"],
            samples=json.loads(samples.to_json(orient="records")),
            inputs={
                "quant": get_quant_files(),
                **{key: [path] for key, path in get_annotation_inputs(None).items()},
            },
            genesets=list(zip(get_geneset_files(), get_geneset_labels())),
            seeds={"enrichment.seed": config["enrichment"]["seed"]},
            hypotheses=(HYPOTHESES_FILE, HYPOTHESES_LABEL),
            workflow_dir=WORKFLOW_DIR,
            results_dir="results",
            command=sys.argv,
            executor=getattr(workflow, "executor_plugin", None)
            and workflow.executor_plugin.name,
        ),
    )


onstart:
    PROVENANCE["started"] = utc_now()


onsuccess:
    record_provenance("success")


onerror:
    record_provenance("failed")
