//! Folder numbering: every component gets numbered folders (`001-cert-manager`) in
//! deployment order, laid out before the components are built in parallel.

use super::{Deployer, is_remote};
use crate::diag::{Code, Diagnostic};
use crate::ir::{Component, Recipe};
use crate::syntax::ast::ComponentType;

/// The most folders the three-digit numbering holds.
const MAX_FOLDERS: usize = 999;

/// A component's folders.
pub(super) struct Folders<'r> {
    pub component: &'r Component,
    /// The component's folder (see [`super::Planned::dir`]).
    pub dir: String,
    /// The local chart of its manifests (`003-gpu-operator-post`).
    pub post: Option<String>,
    /// The kustomization of its remote manifests (`004-kgateway-crds-pre`).
    pub pre: Option<String>,
}

/// Number the folders of the components named in `order`, consecutively from `001`: a
/// component's remote manifests first (`-pre`), then its own folder, then its local chart
/// (`-post`). An error when the bundle needs more folders than the numbering holds.
pub(super) fn number<'r>(
    recipe: &'r Recipe,
    order: &[String],
    deployer: Deployer,
    errors: &mut Vec<Diagnostic>,
) -> Vec<Folders<'r>> {
    let mut n = 1usize;
    let mut next = |suffix: &str, name: &str| {
        let d = format!("{n:03}-{name}{suffix}");
        n += 1;
        d
    };
    let mut out = Vec::new();
    for name in order {
        let Some(c) = recipe.component(name) else {
            continue;
        };
        let pre = c
            .manifest_files
            .iter()
            .any(|m| is_remote(m))
            .then(|| next("-pre", name));
        let own = has_own_folder(c, deployer).then(|| next("", name));
        let local = c.manifest_files.iter().any(|m| !is_remote(m));
        let post = local.then(|| next("-post", name));
        let dir = own
            .or_else(|| post.clone())
            .or_else(|| pre.clone())
            .unwrap_or_default();
        out.push(Folders {
            component: c,
            dir,
            post,
            pre,
        });
    }
    let used = n - 1;
    if used > MAX_FOLDERS {
        errors.push(Diagnostic::error(
            Code::BundleUnsupported,
            format!(
                "the bundle would need {used} folders; the numbered layout holds {MAX_FOLDERS}"
            ),
        ));
    }
    out
}

/// A component without a chart has a folder of its own only where the deployer writes
/// something into it; elsewhere its folder is the one of its manifests, and the numbers
/// stay consecutive.
fn has_own_folder(c: &Component, deployer: Deployer) -> bool {
    let chartless = matches!(c.kind, ComponentType::Helm) && c.source.is_empty();
    !chartless || matches!(deployer, Deployer::Helm | Deployer::Argocd)
}
