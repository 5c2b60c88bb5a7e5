package io.sandboxer.backend.libvirt;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

/**
 * XML in and out for libvirt documents: a small fluent writer over {@link XMLStreamWriter} (every name and
 * value is escaped by the writer, nothing is concatenated) and a hardened DOM parser (no DTDs, no external
 * entities) with a few lookup helpers.
 */
final class Xml {
    private Xml() {
    }

    /** Builds a document element by element. */
    static final class Writer {
        private final StringWriter buffer = new StringWriter();
        private final XMLStreamWriter out;

        Writer() {
            try {
                out = XMLOutputFactory.newFactory().createXMLStreamWriter(buffer);
            } catch (XMLStreamException e) {
                throw new IllegalStateException(e);
            }
        }

        Writer open(String name, String... attributes) {
            return write(() -> {
                out.writeStartElement(name);
                attributes(attributes);
            });
        }

        Writer openNs(String prefix, String name, String namespace) {
            return write(() -> {
                out.writeStartElement(prefix, name, namespace);
                if (prefix.isEmpty()) {
                    out.writeDefaultNamespace(namespace);
                } else {
                    out.writeNamespace(prefix, namespace);
                }
            });
        }

        Writer openPrefixed(String prefix, String name, String namespace, String... attributes) {
            return write(() -> {
                out.writeStartElement(prefix, name, namespace);
                attributes(attributes);
            });
        }

        /** An element with attributes and no content. */
        Writer empty(String name, String... attributes) {
            return write(() -> {
                out.writeEmptyElement(name);
                attributes(attributes);
            });
        }

        /** An element holding text. */
        Writer text(String name, String text, String... attributes) {
            return open(name, attributes).write(() -> {
                out.writeCharacters(text);
                out.writeEndElement();
            });
        }

        Writer textPrefixed(String prefix, String name, String namespace, String text, String... attributes) {
            return openPrefixed(prefix, name, namespace, attributes).write(() -> {
                out.writeCharacters(text);
                out.writeEndElement();
            });
        }

        Writer close() {
            return write(out::writeEndElement);
        }

        String finish() {
            write(() -> {
                out.writeEndDocument();
                out.close();
            });
            return buffer.toString();
        }

        /** One step of writing; the writer only fails on misuse (it writes to memory), so failures are unchecked. */
        private interface Step {
            void run() throws XMLStreamException;
        }

        private Writer write(Step step) {
            try {
                step.run();
            } catch (XMLStreamException e) {
                throw new IllegalStateException(e);
            }
            return this;
        }

        private void attributes(String... pairs) throws XMLStreamException {
            if (pairs.length % 2 != 0) {
                throw new IllegalArgumentException("attributes come in name/value pairs");
            }
            for (int i = 0; i < pairs.length; i += 2) {
                if (pairs[i + 1] != null) {
                    out.writeAttribute(pairs[i], pairs[i + 1]);
                }
            }
        }
    }

    static Document parse(String xml) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setExpandEntityReferences(false);
            return factory.newDocumentBuilder().parse(new InputSource(new StringReader(xml)));
        } catch (ParserConfigurationException | SAXException | IOException e) {
            throw new IllegalArgumentException("libvirt returned XML that does not parse: " + e.getMessage(), e);
        }
    }

    /** Child elements of {@code parent} named {@code name} (no namespace). */
    static List<Element> children(Element parent, String name) {
        List<Element> result = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && name.equals(e.getLocalName() != null ? e.getLocalName() : e.getTagName())) {
                result.add(e);
            }
        }
        return result;
    }

    static Optional<Element> child(Element parent, String name) {
        List<Element> all = children(parent, name);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
    }

    /** The text of the first descendant with this path of child names, e.g. {@code "devices", "interface"}. */
    static Optional<Element> path(Element root, String... names) {
        Element current = root;
        for (String name : names) {
            Optional<Element> next = child(current, name);
            if (next.isEmpty()) {
                return Optional.empty();
            }
            current = next.get();
        }
        return Optional.of(current);
    }

    static Optional<Element> firstInNamespace(Document doc, String namespace, String localName) {
        NodeList nodes = doc.getElementsByTagNameNS(namespace, localName);
        return nodes.getLength() == 0 ? Optional.empty() : Optional.of((Element) nodes.item(0));
    }

    static Optional<String> childText(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && name.equals(e.getLocalName())) {
                return Optional.of(e.getTextContent());
            }
        }
        return Optional.empty();
    }
}
