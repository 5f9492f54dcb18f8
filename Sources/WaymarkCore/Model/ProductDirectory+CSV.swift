extension ProductDirectory {
    /// Reads a `products.csv` (docs/formats.md): `product_id,name,category,list_price[,repeatable]`.
    ///
    /// Used by `waymark catalog check --products FILE` to check a catalog's references without a
    /// database. Columns may come in any order; unknown columns are ignored here (the importer is
    /// strict about them).
    /// - Throws: `CatalogError` listing every bad row (`file:line:column`).
    package static func parseCSV(_ text: String, file: String) throws(CatalogError) -> ProductDirectory {
        var records: [CSVRecord] = []
        var parser = CSVParser()
        do {
            try parser.parse(Array(text.utf8)) { records.append($0) }
            try parser.finish { records.append($0) }
        } catch let error as CSVError {
            throw CatalogError(diagnostics: [CatalogDiagnostic(location: SourceLocation(file: file, line: error.line, column: error.column ?? 1), message: error.description)])
        } catch {
            throw CatalogError(diagnostics: [CatalogDiagnostic(location: SourceLocation(file: file), message: "\(error)")])
        }
        guard let header = records.first else {
            throw CatalogError(diagnostics: [CatalogDiagnostic(location: SourceLocation(file: file), message: "empty products file: expected a header product_id,name,category,list_price[,repeatable]")])
        }
        func column(_ name: String) -> Int? { header.fields.firstIndex(of: name) }
        var problems: [CatalogDiagnostic] = []
        guard let idColumn = column("product_id"), let categoryColumn = column("category") else {
            throw CatalogError(diagnostics: [CatalogDiagnostic(location: SourceLocation(file: file, line: header.line),
                message: "the header must name product_id and category (found \(header.fields.joined(separator: ",")))")])
        }
        let nameColumn = column("name")
        let priceColumn = column("list_price")
        let repeatableColumn = column("repeatable")
        var products: [ProductInfo] = []
        for record in records.dropFirst() {
            func field(_ index: Int?) -> String? {
                guard let index, index < record.fields.count else { return nil }
                return record.fields[index]
            }
            guard let id = field(idColumn), !id.isEmpty, let category = field(categoryColumn), !category.isEmpty else {
                problems.append(CatalogDiagnostic(location: SourceLocation(file: file, line: record.line), message: "product_id and category are required"))
                continue
            }
            let price = field(priceColumn).flatMap { FieldFormats.parseAmount($0) } ?? 0
            let repeatable = field(repeatableColumn).flatMap { $0.isEmpty ? false : FieldFormats.parseBool($0) } ?? false
            products.append(ProductInfo(id: id, name: field(nameColumn) ?? id, category: category, priceCents: price, repeatable: repeatable))
        }
        if !problems.isEmpty { throw CatalogError(diagnostics: problems) }
        return ProductDirectory(products)
    }
}
