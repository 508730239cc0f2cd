//! WiX installer sources (`.wxs`, `.wxi`), schema v3 and v4+: `RegistryKey`/`RegistryValue`
//! (nested keys are relative to their parent), their `Remove` forms, and COM classes
//! (`Class` with its server context, threading model and AppID, `AppId` with `DllSurrogate`),
//! written in the view of the component's bitness.

use std::collections::HashMap;

use roxmltree::{Document, Node, ParsingOptions};

use super::text::MappedText;
use crate::model::cfg::Cond;
use crate::model::ir::{
    FileIr, Guid, KeySegment, RegistryAction, RegistryEntry, RegistryRoot, RegistryValue,
    RegistryView,
};
use crate::source::Span;

/// Deeper element nesting than this is refused: installer sources nest a dozen levels, and
/// each registry element looks at the elements around it.
const MAX_NESTING: usize = 256;

/// More attributes on one element than this are refused: WiX elements take a few dozen at
/// most, and the XML parser compares each attribute of an element with all those before it.
const MAX_ATTRIBUTES: usize = 1024;

const NAMESPACES: [&str; 2] = [
    "http://schemas.microsoft.com/wix/2006/wi",
    "http://wixtoolset.org/schemas/v4/wxs",
];

pub fn lower(text: &str) -> Result<FileIr, String> {
    if let Some(at) = crowded_start_tag(text) {
        return Err(format!(
            "line {}: an element with more than {MAX_ATTRIBUTES} attributes",
            super::text::line_of(text, at)
        ));
    }
    let options = ParsingOptions {
        allow_dtd: true,
        ..ParsingOptions::default()
    };
    let doc = Document::parse_with_options(text, options).map_err(|e| {
        let at = e.pos();
        format!("malformed XML at line {}, column {}: {e}", at.row, at.col)
    })?;
    check_depth(&doc, text)?;
    let lowerer = Lowerer {
        text,
        files: files(&doc),
        platform: platform(&doc),
    };
    let mut ir = FileIr::default();
    for node in doc.descendants().filter(|n| is_wix(n)) {
        match node.tag_name().name() {
            "RegistryKey" | "RemoveRegistryKey" => lowerer.key(node, &mut ir),
            "RegistryValue" | "RemoveRegistryValue" => lowerer.value(node, &mut ir),
            "Class" => lowerer.class(node, &mut ir),
            "AppId" => lowerer.app_id(node, &mut ir),
            _ => {}
        }
    }
    Ok(ir)
}

/// Where a start tag with more than [`MAX_ATTRIBUTES`] attributes (namespace declarations
/// included) begins, found in one pass before the parser sees the text. Each attribute has an
/// `=` outside quotes; a tag ends at `>` outside quotes, or at a `<`, which no attribute value
/// may hold. Comments, CDATA sections and processing instructions hold no tags.
fn crowded_start_tag(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = 0;
    while let Some(found) = text[at..].find('<') {
        let open = at + found;
        let rest = &text[open..];
        let skipped = [("<!--", "-->"), ("<![CDATA[", "]]>"), ("<?", "?>")]
            .into_iter()
            .find(|(start, _)| rest.starts_with(start));
        if let Some((start, end)) = skipped {
            at = rest[start.len()..]
                .find(end)
                .map_or(text.len(), |i| open + start.len() + i + end.len());
            continue;
        }
        let mut attributes = 0;
        let mut quote = None;
        let mut end = open + 1;
        while let Some(&byte) = bytes.get(end) {
            match (quote, byte) {
                (_, b'<') | (None, b'>') => break,
                (None, b'"' | b'\'') => quote = Some(byte),
                (Some(q), _) if byte == q => quote = None,
                (None, b'=') => attributes += 1,
                _ => {}
            }
            end += 1;
        }
        if attributes > MAX_ATTRIBUTES {
            return Some(open);
        }
        at = end;
    }
    None
}

fn check_depth(doc: &Document, text: &str) -> Result<(), String> {
    // Nodes come parent first, so each node's depth is its parent's plus one.
    let mut depths: Vec<usize> = vec![0; doc.descendants().count() + 1];
    for node in doc.descendants() {
        let depth = node.parent().map_or(0, |p| depths[p.id().get_usize()] + 1);
        depths[node.id().get_usize()] = depth;
        if depth > MAX_NESTING {
            return Err(format!(
                "line {}: elements nested deeper than {MAX_NESTING} levels",
                super::text::line_of(text, node.range().start)
            ));
        }
    }
    Ok(())
}

fn is_wix(node: &Node) -> bool {
    node.is_element()
        && node
            .tag_name()
            .namespace()
            .is_none_or(|ns| NAMESPACES.contains(&ns))
}

fn named<'a, 'i>(node: Node<'a, 'i>, name: &str) -> bool {
    is_wix(&node) && node.tag_name().name() == name
}

/// Each `File`'s build-time path (its `Source`, else its name) by Id, for `[#Id]` and `Server`.
fn files(doc: &Document) -> HashMap<String, String> {
    let mut files = HashMap::new();
    for file in doc.descendants().filter(|n| named(*n, "File")) {
        let Some(path) = file
            .attribute("Source")
            .or_else(|| file.attribute("src"))
            .or_else(|| file.attribute("Name"))
        else {
            continue;
        };
        let id = file
            .attribute("Id")
            .map(str::to_string)
            .unwrap_or_else(|| path.rsplit(['\\', '/']).next().unwrap_or(path).to_string());
        files.insert(id, path.to_string());
    }
    files
}

/// The package's platform, when the source states it (`Package/@Platform` in v3).
fn platform(doc: &Document) -> RegistryView {
    doc.descendants()
        .filter(|n| named(*n, "Package") || named(*n, "Product") || named(*n, "Module"))
        .find_map(|n| n.attribute("Platform"))
        .map_or(RegistryView::Unknown, |platform| {
            match platform.to_ascii_lowercase().as_str() {
                "x86" | "intel" | "arm" => RegistryView::Bits32,
                "x64" | "intel64" | "arm64" | "ia64" => RegistryView::Bits64,
                _ => RegistryView::Unknown,
            }
        })
}

struct Lowerer<'t> {
    text: &'t str,
    files: HashMap<String, String>,
    platform: RegistryView,
}

impl Lowerer<'_> {
    /// An attribute's value as text that knows where it is written; entity references make
    /// the value differ from its source, and then it is not renamed in place.
    fn attr(&self, node: Node, name: &str) -> Option<(MappedText, Span)> {
        let attr = node.attributes().find(|a| a.name() == name)?;
        let range = attr.range_value();
        let span = Span::new(range.start, range.end);
        let mapped = if self.text.get(range) == Some(attr.value()) {
            MappedText::written(attr.value(), span.start)
        } else {
            MappedText::plain(attr.value())
        };
        Some((mapped, span))
    }

    /// From `<` to the end of the element's start tag.
    fn start_tag(&self, node: Node) -> Span {
        let start = node.range().start;
        let mut quote = None;
        for (i, ch) in self.text[start..].char_indices() {
            match (quote, ch) {
                (None, '"' | '\'') => quote = Some(ch),
                (Some(q), c) if c == q => quote = None,
                (None, '>') => return Span::new(start, start + i + 1),
                _ => {}
            }
        }
        Span::new(start, node.range().end)
    }

    /// The view of the component the node belongs to: `Win64` (v3), `Bitness` (v4), else
    /// the package's platform.
    fn view(&self, node: Node) -> (RegistryView, Option<Span>) {
        let Some(component) = node.ancestors().find(|n| named(*n, "Component")) else {
            return (self.platform, None);
        };
        for (name, bits64, bits32) in [("Win64", "yes", "no"), ("Bitness", "always64", "always32")]
        {
            if let Some(attr) = component.attributes().find(|a| a.name() == name) {
                let range = attr.range_value();
                let view = match attr.value().to_ascii_lowercase() {
                    v if v == bits64 => RegistryView::Bits64,
                    v if v == bits32 => RegistryView::Bits32,
                    v if v == "default" => self.platform,
                    _ => RegistryView::Unknown,
                };
                return (view, Some(Span::new(range.start, range.end)));
            }
        }
        (self.platform, None)
    }

    /// The root and key path of a registry element: its own `Key` below those of the
    /// `RegistryKey` elements around it; the nearest `Root` wins.
    fn path(&self, node: Node) -> (RegistryRoot, Vec<KeySegment>) {
        let mut chain: Vec<Node> = node
            .ancestors()
            .filter(|n| named(*n, "RegistryKey"))
            .collect();
        chain.reverse();
        let mut root = RegistryRoot::Unknown;
        let mut path = MappedText::default();
        for element in chain {
            if let Some(name) = element.attribute("Root") {
                root = RegistryRoot::parse(name).unwrap_or(RegistryRoot::Unknown);
            }
            if let Some((key, _)) = self.attr(element, "Key") {
                if !path.is_empty() {
                    path.push('\\', None);
                }
                path.append(key);
            }
        }
        (root, path.segments())
    }

    fn entry(&self, node: Node, root: RegistryRoot, key: Vec<KeySegment>) -> RegistryEntry {
        let (view, view_span) = self.view(node);
        let action = if node.tag_name().name().starts_with("Remove") {
            RegistryAction::Delete
        } else {
            RegistryAction::Write
        };
        RegistryEntry {
            root,
            key,
            value: None,
            action,
            view,
            view_span,
            span: self.start_tag(node),
            cond: Cond::TRUE,
        }
    }

    fn key(&self, node: Node, ir: &mut FileIr) {
        let (root, key) = self.path(node);
        ir.registry.push(self.entry(node, root, key));
    }

    fn value(&self, node: Node, ir: &mut FileIr) {
        let (root, key) = self.path(node);
        let mut entry = self.entry(node, root, key);
        entry.value = Some(RegistryValue {
            name: node.attribute("Name").unwrap_or_default().to_string(),
            data: node.attribute("Value").map(|v| self.file_references(v)),
            span: entry.span,
        });
        ir.registry.push(entry);
    }

    /// `[#FileId]` and `[!FileId]` stand for the installed file: its build-time path.
    fn file_references(&self, value: &str) -> String {
        let mut out = String::new();
        let mut rest = value;
        while let Some(open) = rest.find(['[']) {
            out.push_str(&rest[..open]);
            let reference = &rest[open..];
            let Some(close) = reference.find(']') else {
                // An unclosed bracket is plain text.
                rest = reference;
                break;
            };
            let path = reference
                .get(1..2)
                .filter(|marker| *marker == "#" || *marker == "!")
                .and_then(|_| self.files.get(&reference[2..close]));
            match path {
                Some(path) => out.push_str(path),
                None => out.push_str(&reference[..=close]),
            }
            rest = &reference[close + 1..];
        }
        out.push_str(rest);
        out
    }

    fn class(&self, node: Node, ir: &mut FileIr) {
        let Some(guid) = node.attribute("Id").and_then(Guid::parse) else {
            return;
        };
        let server = node
            .attribute("Server")
            .and_then(|id| self.files.get(id).cloned())
            .or_else(|| {
                let file = node.ancestors().find(|n| named(*n, "File"))?;
                let id = file.attribute("Id")?;
                self.files.get(id).cloned()
            });
        let app_id = node.attribute("AppId").map(str::to_string).or_else(|| {
            node.ancestors()
                .find(|n| named(*n, "AppId"))
                .and_then(|n| n.attribute("Id"))
                .map(str::to_string)
        });
        let clsid = KeySegment {
            name: Some(guid.to_string()),
            span: None,
        };
        let class_key = vec![
            KeySegment {
                name: Some("CLSID".to_string()),
                span: None,
            },
            clsid,
        ];
        let base = self.entry(node, RegistryRoot::ClassesRoot, class_key.clone());
        let with_value = |key: Vec<KeySegment>, name: &str, data: Option<String>, span: Span| {
            let mut entry = base.clone();
            entry.key = key;
            entry.value = Some(RegistryValue {
                name: name.to_string(),
                data,
                span,
            });
            entry
        };
        ir.registry.push(base.clone());
        if let Some(app_id) = app_id {
            ir.registry.push(with_value(
                class_key.clone(),
                "AppID",
                Some(app_id),
                base.span,
            ));
        }
        let Some((contexts, _)) = self.attr(node, "Context") else {
            return;
        };
        for context in contexts.split_whitespace() {
            let mut key = class_key.clone();
            key.push(context);
            let mut server_key = base.clone();
            server_key.key = key.clone();
            ir.registry.push(server_key);
            ir.registry
                .push(with_value(key.clone(), "", server.clone(), base.span));
            if let Some((model, span)) = self.attr(node, "ThreadingModel") {
                ir.registry
                    .push(with_value(key, "ThreadingModel", model.known(), span));
            }
        }
    }

    fn app_id(&self, node: Node, ir: &mut FileIr) {
        let (Some(id), Some((surrogate, span))) =
            (node.attribute("Id"), self.attr(node, "DllSurrogate"))
        else {
            return;
        };
        let key = vec![
            KeySegment {
                name: Some("AppID".to_string()),
                span: None,
            },
            KeySegment {
                name: Some(Guid::parse(id).map_or(id.to_string(), |g| g.to_string())),
                span: None,
            },
        ];
        let mut entry = self.entry(node, RegistryRoot::ClassesRoot, key);
        entry.value = Some(RegistryValue {
            name: "DllSurrogate".to_string(),
            data: surrogate.known(),
            span,
        });
        ir.registry.push(entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_keys_classes_and_bitness() {
        let text = r#"<?xml version="1.0"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product><Package Platform="x64"/>
    <Component Id="c" Win64="no">
      <File Id="srv" Source="bin\x86\srv.dll">
        <Class Id="{5E0C1B2A-0000-4000-8000-00000000ABCD}" Context="InprocServer InprocServer32" ThreadingModel="both"/>
      </File>
      <RegistryKey Root="HKLM" Key="Software\Wow6432Node">
        <RegistryKey Key="Vendor"><RegistryValue Name="Path" Value="[#srv]" Type="string"/></RegistryKey>
      </RegistryKey>
    </Component>
  </Product>
</Wix>"#;
        let ir = lower(text).unwrap();
        let legacy = ir
            .registry
            .iter()
            .find(|e| e.key.len() == 3 && e.key[2].is("InprocServer") && e.value.is_none())
            .unwrap();
        let span = legacy.key[2].span.unwrap();
        assert_eq!(&text[span.start..span.end], "InprocServer");
        assert_eq!(legacy.view, RegistryView::Bits32);
        let path = ir
            .registry
            .iter()
            .find(|e| e.value.as_ref().is_some_and(|v| v.name == "Path"))
            .unwrap();
        let names: Vec<_> = path.key.iter().map(|s| s.name.clone().unwrap()).collect();
        assert_eq!(names, ["Software", "Wow6432Node", "Vendor"]);
        assert_eq!(path.root, RegistryRoot::LocalMachine);
        assert_eq!(
            path.value.as_ref().unwrap().data.as_deref(),
            Some("bin\\x86\\srv.dll")
        );
    }

    #[test]
    fn unclosed_file_references_are_plain_text() {
        for value in ["[#", "a[#srv", "[!x\u{a6}", "[\u{a6}", "[#srv][#"] {
            let text = format!(
                r#"<Wix><Component><File Id="srv" Source="srv.dll"/>
<RegistryValue Root="HKLM" Key="K" Name="V" Value="{value}"/></Component></Wix>"#
            );
            let ir = lower(&text).unwrap();
            let data = ir.registry[0].value.as_ref().unwrap().data.clone().unwrap();
            assert_eq!(data, value.replace("[#srv]", "srv.dll"));
        }
    }

    #[test]
    fn malformed_xml_names_its_line() {
        let err = lower("<Wix>\n<Component>\n</Wix>").unwrap_err();
        assert!(err.contains("line 3"), "{err}");
        let deep = format!(
            "<Wix>{}{}</Wix>",
            "<a>".repeat(100_000),
            "</a>".repeat(100_000)
        );
        assert!(lower(&deep).unwrap_err().contains("deeper"));
    }

    /// One `RegistryKey` with 100,000 attributes took 33 s in the parser's duplicate check,
    /// which compares each attribute with those before it; such a file is refused first.
    #[test]
    fn an_element_with_thousands_of_attributes_is_refused_before_parsing() {
        let attributes: String = (0..20_000).map(|i| format!(" a{i}=\"v\"")).collect();
        let crowded = format!(
            "<Wix>\n<Component>\n<RegistryKey Root=\"HKLM\" Key=\"K\"{attributes}/></Component></Wix>"
        );
        let started = std::time::Instant::now();
        let err = lower(&crowded).unwrap_err();
        assert!(
            err.contains("line 3") && err.contains("attributes"),
            "{err}"
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        // `=` in comments, CDATA, processing instructions and attribute values (even after a
        // `>`) is not an attribute.
        let equals = "a=".repeat(2000);
        let busy = format!(
            "<?xml version=\"1.0\"?><?p {equals}?>\n<!-- {equals} --><Wix><![CDATA[{equals}]]>\n\
             <RegistryValue Root=\"HKLM\" Key=\"K\" Name=\"V\" Value=\"> {equals}\"/>{equals}</Wix>"
        );
        let ir = lower(&busy).unwrap();
        assert_eq!(ir.registry.len(), 1);
    }
}
