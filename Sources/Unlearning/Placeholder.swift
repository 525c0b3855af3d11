public enum UnlearningPlaceholder {}
