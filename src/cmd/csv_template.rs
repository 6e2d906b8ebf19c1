//! `bachata1c csv-template TEMPLATE`: the config for a CSV with the titles of 1C's template.

use super::Exit;
use crate::cli::CsvTemplateArgs;
use crate::format::bsp;

pub fn run(args: &CsvTemplateArgs) -> Exit {
    let titles = match bsp::titles_from_template(&args.template) {
        Ok(titles) => titles,
        Err(err) => {
            crate::say!("bachata1c: {}: {err}", args.template.display());
            return Exit::Unusable;
        }
    };
    let (columns, unmatched) = bsp::mapping_for_titles(&titles);
    if columns.is_empty() {
        crate::say!(
            "bachata1c: {}: none of its titles ({}) is a name, phone or e-mail column",
            args.template.display(),
            titles.join(", ")
        );
        return Exit::Unusable;
    }
    crate::show!(
        "{}",
        bsp::config_for(&columns, &unmatched, &args.template).trim_end()
    );
    Exit::Success
}
