package io.pgwarden.metrics.queries;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class VersionRangeTest {

  @Test
  void andsComparatorsAndOrsAlternatives() {
    VersionRange range = VersionRange.parse(">=10.0.0 <13.0.0 || >=15");
    assertThat(range.contains("9.6")).isFalse();
    assertThat(range.contains("10")).isTrue();
    assertThat(range.contains("12.99")).isTrue();
    assertThat(range.contains("13.0.0")).isFalse();
    assertThat(range.contains("14.9")).isFalse();
    assertThat(range.contains("15.0.0")).isTrue();
  }

  @Test
  void readsServerVersionNum() {
    assertThat(VersionRange.fromServerVersionNum(150018)).containsExactly(15, 0, 18);
    assertThat(VersionRange.fromServerVersionNum(90624)).containsExactly(9, 6, 24);
    assertThat(VersionRange.parse("<17.0.0").containsServerVersionNum(160004)).isTrue();
    assertThat(VersionRange.parse("<17.0.0").containsServerVersionNum(170000)).isFalse();
    assertThat(VersionRange.parse(">=17.0.0").containsServerVersionNum(170002)).isTrue();
  }

  @Test
  void everyOperator() {
    assertThat(VersionRange.parse(">15").contains("15.0.1")).isTrue();
    assertThat(VersionRange.parse(">15").contains("15")).isFalse();
    assertThat(VersionRange.parse("<=15").contains("15")).isTrue();
    assertThat(VersionRange.parse("=15.2").contains("15.2.0")).isTrue();
    assertThat(VersionRange.parse("15.2").contains("15.2.0")).isTrue();
    assertThat(VersionRange.parse("!=15.2").contains("15.2.0")).isFalse();
    assertThat(VersionRange.parse(">= 12").contains("12.1")).isTrue();
    assertThat(VersionRange.ANY.contains("1")).isTrue();
  }

  @Test
  void refusesGarbage() {
    assertThatThrownBy(() -> VersionRange.parse(">=abc")).hasMessageContaining("is not a version");
    assertThatThrownBy(() -> VersionRange.parse("=>12")).hasMessageContaining("unknown operator");
    assertThatThrownBy(() -> VersionRange.parse(">=12 ||")).hasMessageContaining("comparator");
    assertThatThrownBy(() -> VersionRange.parse("")).hasMessageContaining("empty");
  }
}
