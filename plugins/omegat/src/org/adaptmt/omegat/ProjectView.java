package org.adaptmt.omegat;

import org.omegat.core.Core;
import org.omegat.core.data.IProject;
import org.omegat.core.data.ProjectProperties;
import org.omegat.core.data.SourceTextEntry;
import org.omegat.core.data.TMXEntry;

/** What the entry listener reads from the open project; tests give their own. */
public interface ProjectView {
    /** The entry's current translation, or null when it has none (or no project is open). */
    String translationOf(SourceTextEntry entry);

    /** The project's source language as a BCP-47 tag, or null when no project is open. */
    String sourceLang();

    String targetLang();

    /** OmegaT's open project, through {@code Core.getProject()} (the same in 3.6 and 6.x). */
    ProjectView OMEGAT = new ProjectView() {
        private IProject project() {
            IProject project = Core.getProject();
            return project != null && project.isProjectLoaded() ? project : null;
        }

        public String translationOf(SourceTextEntry entry) {
            IProject project = project();
            if (project == null) {
                return null;
            }
            TMXEntry info = project.getTranslationInfo(entry);
            return info != null && info.isTranslated() ? info.translation : null;
        }

        public String sourceLang() {
            IProject project = project();
            ProjectProperties props = project == null ? null : project.getProjectProperties();
            return props == null ? null : LanguageTags.of(props.getSourceLanguage().getLanguage());
        }

        public String targetLang() {
            IProject project = project();
            ProjectProperties props = project == null ? null : project.getProjectProperties();
            return props == null ? null : LanguageTags.of(props.getTargetLanguage().getLanguage());
        }
    };
}
