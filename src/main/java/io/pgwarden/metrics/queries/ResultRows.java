package io.pgwarden.metrics.queries;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.postgresql.util.PGInterval;

/**
 * A JDBC result set as {@link QueryExecutor.Rows}: its column labels and its rows, each value as
 * {@link RowsToPoints} reads it (an array as a list, an interval as milliseconds).
 */
final class ResultRows {
  private ResultRows() {}

  /** The rows of {@code rs} from its current position on, which this reads to the end. */
  static QueryExecutor.Rows read(ResultSet rs) throws SQLException {
    ResultSetMetaData meta = rs.getMetaData();
    int count = meta.getColumnCount();
    List<String> columns = new ArrayList<>(count);
    // A column name given twice reads as its last column, as a map filled column by column would.
    Map<String, Integer> index = new LinkedHashMap<>();
    for (int i = 1; i <= count; i++) {
      String label = meta.getColumnLabel(i);
      columns.add(label);
      index.put(label, i - 1);
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    while (rs.next()) {
      Object[] values = new Object[count];
      for (int i = 1; i <= count; i++) {
        values[i - 1] = value(rs.getObject(i));
      }
      rows.add(new ArrayRow(index, values));
    }
    return new QueryExecutor.Rows(columns, rows);
  }

  /**
   * A row as an unmodifiable map of column name to value, over the row's array and the index of
   * columns its result shares among its rows: no hash table a row.
   */
  private static final class ArrayRow extends AbstractMap<String, Object> {
    private final Map<String, Integer> index;
    private final Object[] values;

    ArrayRow(Map<String, Integer> index, Object[] values) {
      this.index = index;
      this.values = values;
    }

    @Override
    public Object get(Object column) {
      Integer i = index.get(column);
      return i == null ? null : values[i];
    }

    @Override
    public boolean containsKey(Object column) {
      return index.containsKey(column);
    }

    @Override
    public int size() {
      return index.size();
    }

    @Override
    public Set<Entry<String, Object>> entrySet() {
      Set<Entry<String, Object>> entries = new LinkedHashSet<>();
      index.forEach((column, i) -> entries.add(new SimpleImmutableEntry<>(column, values[i])));
      return Collections.unmodifiableSet(entries);
    }
  }

  private static Object value(Object v) throws SQLException {
    if (v instanceof Array a) {
      Object array = a.getArray();
      return array instanceof Object[] items ? Arrays.asList(items) : array;
    }
    if (v instanceof PGInterval i) {
      double seconds =
          ((i.getYears() * 365.25 + i.getMonths() * 30.0 + i.getDays()) * 24 + i.getHours()) * 3600
              + i.getMinutes() * 60
              + i.getSeconds();
      return seconds * 1000;
    }
    return v;
  }
}
