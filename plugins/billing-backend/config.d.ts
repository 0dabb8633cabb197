export interface Config { billing?: {} }
