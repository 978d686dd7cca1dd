"""Compatible APIs: DeepL API v2, LibreTranslate and ModernMT over the native pipeline.

CAT tools and localization platforms (Weblate, MateCat, OmegaT, Trados plug-ins built on
DeepL's client libraries) speak one of these APIs; pointing their server URL at adaptmt
gives them adaptive, memory- and glossary-aware suggestions with no glue code. This
package holds what the three adapters share and nothing of HTTP: language codes
(`languages`), the translation call with its limits and character meter (`translate`,
`usage`), ignored tags (`tags`), language detection (`detect`) and the Standard Webhooks
receiver that turns Weblate's translation events into memory corrections (`webhooks`).
The routers (`service.routers.compat_*`) only translate each API's HTTP into these calls.
"""
