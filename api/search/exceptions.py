from api.errors import Conflict, NotFound


class SynonymExists(Conflict):
    code = "synonym_exists"
    title = "该同义词已存在"


class SynonymNotFound(NotFound):
    code = "synonym_not_found"
    title = "同义词不存在"
