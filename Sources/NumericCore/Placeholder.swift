public enum NumericCorePlaceholder {}
