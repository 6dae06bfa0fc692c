/// The rows of a query, copied out of libpq in text format.
public struct PostgresResult: Sendable {
    /// Column names, in select-list order.
    public var columns: [String]
    /// One array per row, one text value per column; nil is SQL NULL.
    public var rows: [[String?]]

    public init(columns: [String], rows: [[String?]]) {
        self.columns = columns
        self.rows = rows
    }

    /// `result[0, "name"]`: the value at `row` in the first column named `column`; nil for NULL
    /// or an unknown column.
    public subscript(row: Int, column: String) -> String? {
        guard let index = self.columns.firstIndex(of: column) else { return nil }
        return self.rows[row][index]
    }

    /// The same lookup with labels: `result[row: 0, column: "name"]`.
    public subscript(row row: Int, column column: String) -> String? {
        self[row, column]
    }
}
