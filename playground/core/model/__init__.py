"""The project model: specs, parameters, the catalogues, layer kinds, validation, shape inference, the builder and edits."""
