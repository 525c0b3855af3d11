public enum DatasetsPlaceholder {}
