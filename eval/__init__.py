"""Measurement: how good and how fast the adaptive pipeline is, on anyone's data and model.

`adaptmt eval run` (`eval.harness`) translates a test set under the configurations of
Moslem et al. 2023 and scores them (`eval.lexical`, `eval.neural`, `eval.termsuccess`,
`eval.usage`) into a report (`eval.report`, `eval.plot`); `eval.standin` and
`eval.tinycomet` stand in for the LLM and for COMET models in tests. Importing `eval`
imports neither torch nor matplotlib.
"""
